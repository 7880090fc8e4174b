// Global concurrency bound and per-call deadline for the service's operations.
import pLimit from "p-limit";
import { acquireWithSignal, type Release } from "./locks.js";
import { anySignal, timeoutSignal } from "./call-deadline.js";

export interface CallLimitsOptions {
  readonly maxConcurrent: number;
  readonly callTimeoutMs: number;
  /** Timing hook: how long a call waited for its slot (metrics). */
  readonly onWait?: (waitedMs: number) => void;
}

export interface CallLimits {
  /** The caller's signal combined with the per-call deadline; it carries the earlier of both instants (call-deadline.ts). */
  deadline(signal: AbortSignal): AbortSignal;
  /** A fresh deadline not tied to the caller (rollback must run even when the caller went away). */
  detachedDeadline(): AbortSignal;
  /** Run `fn` within the concurrency bound; waiting for a slot stops when `signal` fires. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createCallLimits(opts: CallLimitsOptions): CallLimits {
  const limit = pLimit(Math.max(1, opts.maxConcurrent));
  const timeout = (): AbortSignal => timeoutSignal(opts.callTimeoutMs);
  return {
    deadline: (signal) => anySignal([signal, timeout()]),
    detachedDeadline: timeout,
    async run(fn, signal) {
      // A slot is a promise held open until `fn` ends; acquiring it can be abandoned.
      let grant!: (release: Release) => void;
      const slot = new Promise<Release>((resolve) => (grant = resolve));
      void limit(() => new Promise<void>((done) => grant(done)));
      const waitStart = performance.now();
      const release = await acquireWithSignal(slot, signal, "waiting for a free call slot");
      opts.onWait?.(performance.now() - waitStart);
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
