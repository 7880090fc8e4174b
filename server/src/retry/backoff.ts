// The one backoff rule for everything that retries against something failing (the API server,
// readiness polls): after n failures in a row wait min·2^(n−1), capped at max, with "equal
// jitter" (a random point in the upper half), so many nodes that lost the same server do not
// come back in step. A success resets it.
export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Pause after `failures` (≥ 1) failures in a row; `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const full = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.round(full / 2 + (full / 2) * random());
}

export interface Backoff {
  /** Counts a failure and returns the pause before the next try. */
  next(): number;
  reset(): void;
  /** Failures since the last reset. */
  failures(): number;
}

export function createBackoff(policy: BackoffPolicy, random: () => number = Math.random): Backoff {
  let failures = 0;
  return {
    next: () => backoffDelay(policy, ++failures, random),
    reset: () => void (failures = 0),
    failures: () => failures,
  };
}
