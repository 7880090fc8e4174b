import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_MS, anySignal, deadlineOf, endedByDeadline, timeoutSignal, withDeadline } from "./call-deadline.js";

afterEach(() => vi.restoreAllMocks());

const jumpWallClock = (ms: number): void => {
  const now = Date.now();
  vi.spyOn(Date, "now").mockReturnValue(now + ms);
};

describe("call deadlines", () => {
  it("a wall clock stepped forward (NTP) does not turn a cancel into a deadline", () => {
    const cancel = new AbortController();
    const signal = anySignal([cancel.signal, timeoutSignal(60_000)]);
    jumpWallClock(3_600_000);
    cancel.abort();
    expect(endedByDeadline(signal)).toBe(false);
  });

  it("a wall clock stepped back does not turn a caller's deadline into a cancel", async () => {
    const caller = new AbortController();
    withDeadline(caller.signal, deadlineOf(timeoutSignal(30)));
    await new Promise((r) => setTimeout(r, 50));
    jumpWallClock(-3_600_000);
    caller.abort(); // as a transport aborts at the caller's deadline: no TimeoutError
    expect(endedByDeadline(caller.signal)).toBe(true);
  });

  it("timeoutSignal carries the instant it fires at, and ends by its deadline", async () => {
    const before = performance.now();
    const signal = timeoutSignal(40);
    expect(deadlineOf(signal)).toBeGreaterThanOrEqual(before + 40);
    expect(deadlineOf(signal)).toBeLessThanOrEqual(performance.now() + 40);
    await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
    expect(endedByDeadline(signal)).toBe(true);
    // Combined with a caller's signal, the earlier instant is kept.
    expect(deadlineOf(anySignal([new AbortController().signal, timeoutSignal(60_000)]))).toBeGreaterThan(
      before + 59_000,
    );
  });

  it("timeoutSignal takes a budget computed from a clock: a fraction is cut to whole ms, a negative fires at once", () => {
    expect(() => timeoutSignal(12.7)).not.toThrow();
    expect(timeoutSignal(-5).aborted).toBe(false); // fires on the next timer turn, as 0 does
    expect(deadlineOf(timeoutSignal(-5))).toBeLessThanOrEqual(performance.now());
  });

  it("a timeoutSignal longer than a timer can wait carries its instant and does not fire (Node would fire it at once)", async () => {
    const far = timeoutSignal(9_999_999_999);
    const last = timeoutSignal(MAX_TIMER_MS);
    // Timers fire in the order they are due: Node's overflowed one (1 ms) would come before this one.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(far.aborted).toBe(false);
    expect(last.aborted).toBe(false);
    expect(deadlineOf(far)! - performance.now()).toBeGreaterThan(9_999_000_000);
  });

  it("a plain abort is a deadline only at the instant its signal carries", () => {
    const early = new AbortController();
    withDeadline(early.signal, performance.now() + 60_000);
    early.abort();
    expect(endedByDeadline(early.signal)).toBe(false);
    const late = new AbortController();
    withDeadline(late.signal, performance.now() - 1);
    late.abort();
    expect(endedByDeadline(late.signal)).toBe(true);
  });
});
