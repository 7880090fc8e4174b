import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createReadiness, type ReadinessOptions, type ReadinessVerdict } from "./readiness.js";

const log = pino({ level: "silent" });
const NOT_READY: ReadinessVerdict = { ready: false, reasons: ["informer pods: ECONNREFUSED"] };
const READY: ReadinessVerdict = { ready: true, reasons: [] };

function setup(verdict: () => ReadinessVerdict) {
  const served: string[] = [];
  const at: number[] = [];
  const health = {
    setStatus: (s: string, service: string) => service === "" && served.push(s),
  } as unknown as ReadinessOptions["health"];
  const readiness = createReadiness({
    health,
    services: ["svc"],
    log,
    check: async () => (at.push(Date.now()), verdict()),
    intervalMs: { notReady: 1_000, ready: 10_000 },
    random: () => 0.999999, // no jitter: the top of each range
  });
  return { readiness, served, at };
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe("readiness poller", () => {
  it("logs the first verdict with its reasons, also not ready, then only changes", async () => {
    const lines: Array<{ msg: string; ready: boolean; reasons: string[] }> = [];
    const sink = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[0]) });
    let verdict = NOT_READY;
    const readiness = createReadiness({
      health: { setStatus: () => undefined } as unknown as ReadinessOptions["health"],
      services: [],
      log: sink,
      check: async () => verdict,
      intervalMs: { notReady: 1_000, ready: 10_000 },
    });
    await readiness.start();
    await vi.advanceTimersByTimeAsync(5_000);
    verdict = READY;
    await vi.advanceTimersByTimeAsync(10_000);
    readiness.stop();
    expect(lines.map((l) => [l.msg, l.ready, l.reasons])).toEqual([
      ["not ready", false, ["informer pods: ECONNREFUSED"]],
      ["ready", true, []],
    ]);
  });

  it("backs off while not ready (1 s doubling up to the ready period), then polls at the ready period", async () => {
    let verdict = NOT_READY;
    const { readiness, at } = setup(() => verdict);
    await readiness.start();
    await vi.advanceTimersByTimeAsync(60_000);
    // 0, then +1, +2, +4, +8 s, then every 10 s: 9 checks a minute, not 60.
    expect(at).toEqual([0, 1_000, 3_000, 7_000, 15_000, 25_000, 35_000, 45_000, 55_000]);
    verdict = READY;
    await vi.advanceTimersByTimeAsync(10_000);
    verdict = NOT_READY;
    at.length = 0;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(at).toEqual([75_000, 76_000, 78_000]); // backoff starts over after ready
    readiness.stop();
  });

  it("keeps 'was ready' through a later loss, until stop", async () => {
    let verdict = READY;
    const { readiness, served } = setup(() => verdict);
    await readiness.start();
    verdict = NOT_READY;
    await vi.advanceTimersByTimeAsync(10_000);
    expect([readiness.isReady(), readiness.wasReady()]).toEqual([false, true]);
    expect(served).toEqual(["unhealthy", "healthy", "unhealthy"]);
    readiness.stop();
    expect([readiness.isReady(), readiness.wasReady()]).toEqual([false, false]);
    expect(served.at(-1)).toBe("unhealthy");
  });

  it("checkNow shares a check in flight and restarts the poll period from its verdict", async () => {
    let release!: () => void;
    let held: Promise<void> = Promise.resolve();
    const at: number[] = [];
    const readiness = createReadiness({
      health: { setStatus: () => undefined } as unknown as ReadinessOptions["health"],
      services: [],
      log,
      check: async () => (at.push(Date.now()), await held, READY),
      intervalMs: { notReady: 1_000, ready: 10_000 },
    });
    await readiness.start();
    held = new Promise<void>((r) => (release = r));
    await vi.advanceTimersByTimeAsync(4_000);
    const both = Promise.all([readiness.checkNow(), readiness.checkNow()]);
    release();
    expect(await both).toEqual([READY, READY]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(at).toEqual([0, 4_000]);
    await vi.advanceTimersByTimeAsync(1);
    expect(at).toEqual([0, 4_000, 14_000]);
    readiness.stop();
  });
});
