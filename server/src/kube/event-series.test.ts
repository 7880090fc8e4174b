import { describe, expect, it } from "vitest";
import { createEventSeries } from "./event-series.js";
import { podEventFrom, type PodEventSpec } from "./pod-event.js";
import { createKeyedRateLimit } from "./rate-limit.js";

const pod = { namespace: "ns", name: "p", uid: "u" };
const at = (ms: number): Date => new Date(ms);
const failed = (reason: string, message: string): PodEventSpec =>
  podEventFrom({ kind: "attach", outcome: "failed", time: at(0), containerId: "c", pod, reason, message })!;

describe("pod events", () => {
  it("an ADD is one Normal event listing every interface; a failure a Warning with its catalog reason", () => {
    const ok = podEventFrom({
      kind: "attach",
      outcome: "ok",
      time: at(0),
      containerId: "c",
      pod,
      interfaces: [
        { network: "cbr", ifName: "eth0", ips: ["10.0.0.2/24", "fd00::2/64"] },
        { network: "ns/blue", ifName: "net1", ips: [] },
      ],
    });
    expect(ok).toMatchObject({
      type: "Normal",
      reason: "AddedInterfaces",
      action: "AttachNetworks",
      note: "added eth0 [10.0.0.2/24, fd00::2/64] from cbr; net1 [] from ns/blue",
    });
    expect(failed("PLUGIN_FAILED", "macvlan: master eth9 not found")).toMatchObject({
      type: "Warning",
      reason: "PLUGIN_FAILED",
      note: "macvlan: master eth9 not found",
    });
    expect(podEventFrom({ kind: "detach", outcome: "ok", time: at(0), containerId: "c", pod })).toBeUndefined();
    expect(
      podEventFrom({
        kind: "rollback",
        outcome: "failed",
        time: at(0),
        containerId: "c",
        pod,
        reason: "PLUGIN_FAILED",
      }),
    ).toBeUndefined();
    expect(podEventFrom({ kind: "attach", outcome: "ok", time: at(0), containerId: "c" })).toBeUndefined();
    expect(Buffer.byteLength(failed("PLUGIN_FAILED", "x".repeat(5000)).note)).toBeLessThanOrEqual(1024);
  });

  it("failures with one reason share a key whatever the message; successes differ by what they added", () => {
    expect(failed("PLUGIN_FAILED", "a").key).toBe(failed("PLUGIN_FAILED", "b").key);
    expect(failed("PLUGIN_FAILED", "a").key).not.toBe(failed("PLUGIN_TIMEOUT", "a").key);
  });
});

describe("event series", () => {
  const series = () => createEventSeries({ finishMs: 1_000, refreshMs: 10_000, maxEntries: 2 });
  const spec = failed("PLUGIN_FAILED", "m");

  it("creates the first, patches the second, counts the rest locally and writes the count when the series ends", () => {
    const s = series();
    expect(s.observe(spec, at(0))?.kind).toBe("create");
    const second = s.observe(spec, at(100));
    expect(second?.kind).toBe("patch");
    second!.entry.written = 2;
    expect(s.observe(spec, at(200))).toBeUndefined();
    expect(s.observe(spec, at(300))).toBeUndefined();
    expect(s.due(at(900))).toEqual([]);
    const due = s.due(at(1_300));
    expect(due.map((w) => [w.kind, w.entry.count])).toEqual([["patch", 4]]);
    expect(s.size()).toBe(0);
    expect(s.observe(spec, at(1_400))?.kind).toBe("create");
  });

  it("a long series is written every refresh period; a singleton is forgotten after the window without a write", () => {
    const s = series();
    s.observe(spec, at(0));
    const second = s.observe(spec, at(500))!;
    second.entry.written = 2;
    second.entry.lastWritten = at(500);
    for (let t = 1_000; t < 11_000; t += 500) s.observe(spec, at(t));
    expect(s.due(at(10_600)).map((w) => w.entry.count)).toEqual([22]);
    const single = createEventSeries({ finishMs: 1_000, refreshMs: 10_000, maxEntries: 2 });
    single.observe(spec, at(0));
    expect(single.due(at(2_000))).toEqual([]);
    expect(single.size()).toBe(0);
  });

  it("remembers at most maxEntries keys", () => {
    const s = series();
    for (const r of ["A", "B", "C"]) s.observe(failed(r, "m"), at(0));
    expect(s.size()).toBe(2);
  });
});

describe("per-pod rate limit", () => {
  it("allows a burst, then one per refill period, per key", () => {
    const limit = createKeyedRateLimit({ burst: 2, refillMs: 1_000 });
    expect([limit.take("a", 0), limit.take("a", 0), limit.take("a", 0), limit.take("b", 0)]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(limit.take("a", 999)).toBe(false);
    expect(limit.take("a", 2_000)).toBe(true);
  });
});
