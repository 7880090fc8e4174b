// Bounded retry with the backoff rule of backoff.ts (doubling, capped, jittered); the
// caller's signal cuts both the waits and the tries.
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay, type BackoffPolicy } from "./backoff.js";

export interface RetryOptions {
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
  readonly signal?: AbortSignal;
  readonly retryable: (err: unknown) => boolean;
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.attempts || opts.signal?.aborted || !opts.retryable(err)) throw err;
      opts.onRetry?.(err, attempt);
      try {
        await sleep(backoffDelay(opts.backoff, attempt), undefined, { signal: opts.signal });
      } catch {
        throw err; // aborted while waiting: report the API error, the caller sees its signal
      }
    }
  }
}
