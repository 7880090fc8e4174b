import { describe, expect, it } from "vitest";
import { createApiGate } from "./api-gate.js";

describe("API gate", () => {
  it("closes for a growing, capped pause after each failure and opens at once on success", () => {
    let t = 0;
    const gate = createApiGate(
      { minMs: 250, maxMs: 1_000 },
      () => t,
      () => 0.999999,
    );
    expect([gate.closedForMs(), gate.failing()]).toEqual([0, false]);
    gate.failed("ECONNREFUSED: connect");
    expect([gate.closedForMs(), gate.failing(), gate.lastFailure()]).toEqual([250, true, "ECONNREFUSED: connect"]);
    t = 250;
    expect(gate.closedForMs()).toBe(0);
    gate.failed("HTTP 503: x");
    gate.failed("HTTP 503: x");
    gate.failed("HTTP 503: x");
    expect(gate.closedForMs()).toBe(1_000);
    gate.succeeded();
    expect([gate.closedForMs(), gate.failing(), gate.lastFailure()]).toEqual([0, false, undefined]);
    gate.failed("again");
    expect(gate.closedForMs()).toBe(250);
  });

  it("learns from how requests end: no answer closes it, any answer opens it, a cancellation tells nothing", () => {
    const gate = createApiGate(
      { minMs: 250, maxMs: 1_000 },
      () => 0,
      () => 0.999999,
    );
    gate.observe({ kind: "unavailable", detail: "HTTP 503: x" });
    gate.observe({ kind: "cancelled" });
    expect([gate.failing(), gate.lastFailure()]).toEqual([true, "HTTP 503: x"]);
    gate.observe({ kind: "not-found" });
    expect(gate.failing()).toBe(false);
    gate.observe({ kind: "unavailable", detail: "ECONNREFUSED" });
    gate.observe();
    expect(gate.closedForMs()).toBe(0);
  });
});
