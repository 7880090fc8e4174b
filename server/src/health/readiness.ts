// Drives grpc.health.v1 from the domain's readiness: SERVING while the attachment service says
// ready, NOT_SERVING otherwise and from the start of shutdown. It also keeps whether readiness
// was ever reached: a daemon that was ready once serves ADD from its caches through later losses
// (the API server going away), so only "never ready yet" and shutdown refuse ADD (ready-gate.ts).
// While not ready it polls with backoff (the not-ready period doubling up to the ready period,
// jittered): a node whose API server is away does not re-check once a second. Ready resets it.
import type { HealthState } from "nice-grpc-server-health";
import type { Logger } from "pino";
import { createBackoff } from "../retry/index.js";

export interface ReadinessVerdict {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface ReadinessOptions {
  readonly health: HealthState;
  /** Services reported besides the overall "" entry. */
  readonly services: readonly string[];
  readonly check: (signal: AbortSignal) => Promise<ReadinessVerdict>;
  readonly log: Logger;
  /** notReady: first poll period while not ready (then doubling up to `ready`); ready: the period once ready. */
  readonly intervalMs?: { readonly notReady: number; readonly ready: number };
  /** Jitter source (tests). */
  readonly random?: () => number;
}

export interface Readiness {
  /** Checks now and then keeps polling until stop(). */
  start(): Promise<void>;
  /** Everything NOT_SERVING; polling ends; readiness counts as never reached from here on. */
  stop(): void;
  /** The last check's verdict. */
  isReady(): boolean;
  /** Ready at some check since start(), kept through later losses until stop(). */
  wasReady(): boolean;
  /** Checks now (callers arriving meanwhile share the check), updates health, and polls on from this verdict. */
  checkNow(): Promise<ReadinessVerdict>;
}

export function createReadiness(opts: ReadinessOptions): Readiness {
  const interval = opts.intervalMs ?? { notReady: 1_000, ready: 10_000 };
  const backoff = createBackoff(
    { minMs: interval.notReady, maxMs: Math.max(interval.notReady, interval.ready) },
    opts.random,
  );
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ready = false;
  /** The verdict last logged; none yet, so the first is logged whatever it is (a daemon that starts not ready says why). */
  let logged: boolean | undefined;
  let reached = false;
  let stopped = false;
  let inFlight: Promise<ReadinessVerdict> | undefined;

  const set = (serving: boolean): void => {
    for (const service of ["", ...opts.services]) opts.health.setStatus(serving ? "healthy" : "unhealthy", service);
  };

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    if (ready) backoff.reset();
    timer = setTimeout(() => void checkNow(), ready ? interval.ready : backoff.next());
    timer.unref();
  };

  async function run(): Promise<ReadinessVerdict> {
    let verdict: ReadinessVerdict;
    try {
      const v = await opts.check(abort.signal);
      verdict = { ready: v.ready === true, reasons: v.reasons };
    } catch (err) {
      verdict = {
        ready: false,
        reasons: [`readiness check failed: ${err instanceof Error ? err.message : String(err)}`],
      };
      opts.log.warn({ err }, "readiness check failed");
    }
    if (stopped) return { ready: false, reasons: ["netattachd is shutting down"] };
    if (verdict.ready !== logged)
      opts.log.info({ ready: verdict.ready, reasons: verdict.reasons }, verdict.ready ? "ready" : "not ready");
    logged = verdict.ready;
    ready = verdict.ready;
    reached ||= ready;
    set(ready);
    schedule();
    return verdict;
  }

  const checkNow = (): Promise<ReadinessVerdict> => (inFlight ??= run().finally(() => (inFlight = undefined)));

  return {
    async start() {
      set(false);
      await checkNow();
    },
    stop() {
      stopped = true;
      ready = false;
      reached = false;
      abort.abort();
      if (timer) clearTimeout(timer);
      set(false);
    },
    isReady: () => ready,
    wasReady: () => reached,
    checkNow,
  };
}
