// The calls the daemon is running, for its stop: cancel() aborts every one of them with the
// daemon's reason (a call started later is aborted at once), and idle() says when none is left.
// A cancelled ADD or hot-plug then rolls back (its rollback has its own deadline, not tied to the
// call's signal) and a cancelled DEL saves what is left: the daemon must not stop its components,
// nor exit, before they are done. Their errors say the daemon stopped them.
import { DaemonError, isDaemonError } from "../errors/daemon-error.js";
import type { AttachmentService, CallContext } from "./contract.js";
import { anySignal } from "./call-deadline.js";

export interface InFlightCalls {
  readonly service: AttachmentService;
  /** Aborts the signal of every call in flight, and of any call that starts later, with `reason`. */
  cancel(reason: string): void;
  /** Resolves once no call is running (at once when none is). */
  idle(): Promise<void>;
  /** How many calls are running now. */
  running(): number;
}

export function trackInFlightCalls(service: AttachmentService): InFlightCalls {
  const stop = new AbortController();
  let running = 0;
  const waiters: Array<() => void> = [];

  async function track<T>(ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T> {
    running++;
    try {
      return await call({ ...ctx, signal: anySignal([ctx.signal, stop.signal]) });
    } catch (err) {
      throw stop.signal.aborted ? stoppedBy(stop.signal, err) : err;
    } finally {
      if (--running === 0) for (const w of waiters.splice(0)) w();
    }
  }

  const wrapped: AttachmentService = {
    attach: (req, ctx) => track(ctx, (c) => service.attach(req, c)),
    detach: (req, ctx) => track(ctx, (c) => service.detach(req, c)),
    check: (req, ctx) => track(ctx, (c) => service.check(req, c)),
    gc: (req, ctx) => track(ctx, (c) => service.gc(req, c)),
    status: (ctx) => track(ctx, (c) => service.status(c)),
    list: (filter, ctx) => track(ctx, (c) => service.list(filter, c)),
    resolve: (req, ctx) => track(ctx, (c) => service.resolve(req, c)),
    attachNetwork: (req, ctx) => track(ctx, (c) => service.attachNetwork(req, c)),
    applyNetworkChanges: (changes, ctx) => track(ctx, (c) => service.applyNetworkChanges(changes, c)),
    detachNetwork: (req, ctx) => track(ctx, (c) => service.detachNetwork(req, c)),
  };

  return {
    service: wrapped,
    cancel: (reason) => stop.abort(new Error(reason)),
    idle: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    running: () => running,
  };
}

/** The call's own error (what it rolled back or kept, its catalog code), prefixed with why it was cancelled. */
export function stoppedBy(stop: AbortSignal, err: unknown): unknown {
  if (!isDaemonError(err)) return err;
  const why = stop.reason instanceof Error ? stop.reason.message : String(stop.reason);
  return new DaemonError(err.code, `${why}: ${err.message}`, err.context, { cause: err });
}
