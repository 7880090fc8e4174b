// ADD admission: refused at once with NOT_READY (UNAVAILABLE, CNI 11; the shim retries it)
// until the daemon has been ready once, and from the start of shutdown. Everything else —
// DEL above all — runs from disk and is never refused.
// Once ready, a later loss of readiness (API server gone, STATUS failing) does not refuse ADD:
// it runs from the synced caches and fails with the precise reason if it needs what is gone.
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentService, CallContext, ServiceStatus } from "./types.js";

export interface ReadyGateOptions {
  /** The readiness poller's last verdict (cheap). */
  readonly isReady: () => boolean;
  /** True from the start of shutdown. */
  readonly stopping: () => boolean;
}

export function gateAttachOnReadiness(service: AttachmentService, opts: ReadyGateOptions): AttachmentService {
  let everReady = false;
  /** One live check shared by the ADDs that arrive while it runs. */
  let checking: Promise<ServiceStatus> | undefined;

  const liveStatus = (ctx: CallContext): Promise<ServiceStatus> => {
    checking ??= service.status(ctx).finally(() => (checking = undefined));
    return checking;
  };

  async function admit(ctx: CallContext): Promise<void> {
    if (opts.stopping()) throw new DaemonError("NOT_READY", "netattachd is shutting down; try again", { phase: "add" });
    if (everReady || (everReady = opts.isReady())) return;
    // The poller may lag (it polls slowly while not ready): ask now, as GetStatus would.
    let status: ServiceStatus;
    try {
      status = await liveStatus(ctx);
    } catch (err) {
      throw new DaemonError("NOT_READY", "netattachd cannot tell whether it is ready yet; try again", { phase: "add" }, { cause: err });
    }
    if (status.ready) {
      everReady = true;
      return;
    }
    const why = status.reasons.length > 0 ? status.reasons.join("; ") : "readiness not established yet";
    throw new DaemonError("NOT_READY", `netattachd is not ready: ${why}`, { phase: "add" });
  }

  return {
    ...service,
    attach: async (req, ctx) => {
      await admit(ctx);
      return service.attach(req, ctx);
    },
  };
}
