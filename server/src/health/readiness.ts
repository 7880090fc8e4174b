// Drives grpc.health.v1 from the domain's readiness: SERVING once the attachment service
// says ready, NOT_SERVING when it stops being ready and from the start of shutdown.
import type { HealthState } from "nice-grpc-server-health";
import type { Logger } from "pino";

export interface ReadinessOptions {
  readonly health: HealthState;
  /** Services reported besides the overall "" entry. */
  readonly services: readonly string[];
  readonly check: (signal: AbortSignal) => Promise<{ ready: boolean; reasons: readonly string[] }>;
  readonly log: Logger;
  /** Poll period while not ready, and once ready. */
  readonly intervalMs?: { readonly notReady: number; readonly ready: number };
}

export interface Readiness {
  /** Checks now and then keeps polling until stop(). */
  start(): Promise<void>;
  /** Everything NOT_SERVING; polling ends. */
  stop(): void;
  isReady(): boolean;
}

export function createReadiness(opts: ReadinessOptions): Readiness {
  const interval = opts.intervalMs ?? { notReady: 1_000, ready: 10_000 };
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ready = false;
  let stopped = false;

  const set = (serving: boolean): void => {
    for (const service of ["", ...opts.services]) opts.health.setStatus(serving ? "healthy" : "unhealthy", service);
  };

  const poll = async (): Promise<void> => {
    let next: boolean;
    let reasons: readonly string[];
    try {
      ({ ready: next, reasons } = await opts.check(abort.signal));
    } catch (err) {
      next = false;
      reasons = ["readiness check failed"];
      opts.log.warn({ err }, "readiness check failed");
    }
    if (stopped) return;
    if (next !== ready) opts.log.info({ ready: next, reasons }, next ? "ready" : "not ready");
    ready = next;
    set(ready);
    timer = setTimeout(() => void poll(), ready ? interval.ready : interval.notReady);
    timer.unref();
  };

  return {
    async start() {
      set(false);
      await poll();
    },
    stop() {
      stopped = true;
      ready = false;
      abort.abort();
      if (timer) clearTimeout(timer);
      set(false);
    },
    isReady: () => ready,
  };
}
