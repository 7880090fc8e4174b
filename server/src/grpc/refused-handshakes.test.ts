// A flood of refused TLS connections costs at most REFUSALS_LOGGED_PER_WINDOW lines a minute plus
// one line with the count of the rest.
import type { Logger } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRefusedHandshakes, REFUSAL_WINDOW_MS, REFUSALS_LOGGED_PER_WINDOW } from "./refused-handshakes.js";

type Line = Record<string, unknown> & { msg: string };

function recording(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = { warn: (fields: object, msg: string) => void lines.push({ ...fields, msg }) } as unknown as Logger;
  return { log, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refused TLS connections in the log", () => {
  it("logs the first ones of a minute one by one, counts the rest and logs the count when the minute ends", () => {
    vi.useFakeTimers();
    const { log, lines } = recording();
    const refusals = createRefusedHandshakes(log);
    for (let i = 0; i < 1000; i++) refusals.refused(`10.0.0.${i % 250}:4000`, "no client certificate");
    expect(lines).toHaveLength(REFUSALS_LOGGED_PER_WINDOW);
    expect(lines[0]).toEqual({
      peer: "10.0.0.0:4000",
      reason: "no client certificate",
      msg: "refused a TLS connection on the TCP listener",
    });
    vi.advanceTimersByTime(REFUSAL_WINDOW_MS);
    expect(lines).toHaveLength(REFUSALS_LOGGED_PER_WINDOW + 1);
    expect(lines.at(-1)).toEqual({
      refused: 1000 - REFUSALS_LOGGED_PER_WINDOW,
      lastPeer: "10.0.0.249:4000",
      lastReason: "no client certificate",
      windowMs: REFUSAL_WINDOW_MS,
      msg: "refused 990 more TLS connection(s) on the TCP listener, not logged one by one (at most 10 a minute)",
    });
    // A new minute: one by one again.
    refusals.refused("10.0.0.1:4001", "not TLS (a plaintext client?)");
    expect(lines.at(-1)).toMatchObject({ peer: "10.0.0.1:4001", reason: "not TLS (a plaintext client?)" });
    refusals.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("logs the count of the unlogged ones at close (shutdown)", () => {
    vi.useFakeTimers();
    const { log, lines } = recording();
    const refusals = createRefusedHandshakes(log);
    for (let i = 0; i < REFUSALS_LOGGED_PER_WINDOW + 2; i++) refusals.refused("10.0.0.9:1", "no client certificate");
    refusals.close();
    expect(lines.at(-1)).toMatchObject({ refused: 2 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
