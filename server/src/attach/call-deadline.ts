// The instant a call's signal fires at its deadline, carried alongside the signal. An AbortSignal
// says only that a call ended, not when it will: work that must finish before the caller's deadline
// (a DEL orphaning what it could not release, rather than leaving it half done) budgets by the
// instant. Kept per signal, so every layer that passes the call's signal on passes its deadline too.
// Instants are on the monotonic clock (performance.now()): a wall clock stepped by NTP must not turn
// budgets negative or a deadline into a cancel. Transports convert once, at the edge.
const deadlines = new WeakMap<AbortSignal, number>();

/** `signal`, known to fire at `at` (performance.now() ms) at the latest; `undefined` tells nothing. */
export function withDeadline(signal: AbortSignal, at: number | undefined): AbortSignal {
  if (at !== undefined && Number.isFinite(at)) deadlines.set(signal, Math.min(at, deadlines.get(signal) ?? at));
  return signal;
}

/** The instant (performance.now() ms) `signal` fires at its deadline; undefined when none is known. */
export function deadlineOf(signal: AbortSignal): number | undefined {
  return deadlines.get(signal);
}

/**
 * The longest wait a timer takes (2^31-1 ms, ~24.8 days). Node fires a longer one at once, so a
 * deadline further away (Connect-Timeout-Ms allows 10 digits) is not timed: no caller waits that long.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** AbortSignal.timeout(ms) that carries its instant: every timeout made for a call is one of these. */
export function timeoutSignal(ms: number): AbortSignal {
  // AbortSignal.timeout refuses a fraction or a negative: budgets are computed from a clock.
  const whole = Math.max(0, Math.floor(ms));
  const signal = whole > MAX_TIMER_MS ? new AbortController().signal : AbortSignal.timeout(whole);
  return withDeadline(signal, performance.now() + whole);
}

/** AbortSignal.any that keeps the earliest deadline its signals carry. */
export function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  const at = signals.map(deadlineOf).filter((d): d is number => d !== undefined);
  return withDeadline(AbortSignal.any([...signals]), at.length > 0 ? Math.min(...at) : undefined);
}

/**
 * True when `signal` fired at its deadline rather than on a cancel: its reason says so (our own
 * timeouts), or it fired at the instant it carries (a caller's deadline aborts like a cancel).
 */
export function endedByDeadline(signal: AbortSignal | undefined): boolean {
  if (signal?.aborted !== true) return false;
  if (isTimeout(signal.reason)) return true;
  const at = deadlines.get(signal);
  return at !== undefined && performance.now() >= at - CLOCK_SLACK_MS;
}

/** The reason an AbortSignal.timeout aborts with. */
export function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}

/** A transport's timer and the clock that set the instant may disagree by a few ms. */
const CLOCK_SLACK_MS = 20;
