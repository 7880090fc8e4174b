// Whom background passes back off from: a network whose CNI GC timed out (every ADD and DEL on the
// node waits while it runs) and an orphan whose release keeps failing (each retry costs its plugins'
// DELs, a hanging one its whole deadline). The one backoff rule (retry/), per key, counted in
// failures in a row and reset by a success. Kept in memory: a restarted daemon tries each once more.
// `netattachctl gc` (a pass in the foreground) ignores it and tries everything now.
import { backoffDelay, type BackoffPolicy } from "../retry/index.js";

/** From one default reconcile interval up to an hour. */
export const GC_BACKOFF: BackoffPolicy = { minMs: 60_000, maxMs: 3_600_000 };

export interface BackoffState {
  /** Failures in a row. */
  readonly failures: number;
  /** Epoch ms before which background passes do not try again. */
  readonly until: number;
}

export interface GcBackoff {
  /** The state of `key` while it waits at `now`; undefined when it may be tried. */
  waiting(key: string, now: number): BackoffState | undefined;
  /** Counts a failure at `now`. */
  failed(key: string, now: number): BackoffState;
  succeeded(key: string): void;
}

export function createGcBackoff(policy: BackoffPolicy = GC_BACKOFF, random: () => number = Math.random): GcBackoff {
  const states = new Map<string, BackoffState>();
  return {
    waiting(key, now) {
      const s = states.get(key);
      return s !== undefined && s.until > now ? s : undefined;
    },
    failed(key, now) {
      const failures = (states.get(key)?.failures ?? 0) + 1;
      const s = { failures, until: now + backoffDelay(policy, failures, random) };
      states.set(key, s);
      return s;
    },
    succeeded: (key) => void states.delete(key),
  };
}

/** For people: how long `key` waits. */
export function describeBackoff(s: BackoffState, what: string): string {
  return `${what} ${s.failures} time(s) in a row; background passes try again after ${new Date(s.until).toISOString()} (netattachctl gc tries now)`;
}
