// ADD admission: refused at once with NOT_READY (UNAVAILABLE, CNI 11; the shim retries it)
// until the daemon has been ready once, and from the start of shutdown. Everything else —
// DEL above all — runs from disk and is never refused; a DEL is handed the readiness, read only
// when nothing is saved and its cluster network must come from config. A hot-plug's attach is
// admitted like ADD.
// "Ready once" is the readiness poller's to keep (health/readiness.ts), not this gate's: a
// daemon that became ready and then lost the API server admits ADD whether or not an ADD came
// in between; ADD then runs from the caches and fails with the precise reason if it needs what is gone.
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentService, ReadinessView } from "./contract.js";

export function gateAttachOnReadiness(service: AttachmentService, opts: ReadinessView): AttachmentService {
  async function admit(): Promise<void> {
    if (opts.stopping()) throw new DaemonError("NOT_READY", "netattachd is shutting down; try again", { phase: "add" });
    if (opts.reached()) return;
    let status: { readonly ready: boolean; readonly reasons: readonly string[] };
    try {
      status = await opts.checkNow();
    } catch (err) {
      throw new DaemonError(
        "NOT_READY",
        "netattachd cannot tell whether it is ready yet; try again",
        { phase: "add" },
        { cause: err },
      );
    }
    if (status.ready) return;
    const why = status.reasons.length > 0 ? status.reasons.join("; ") : "readiness not established yet";
    throw new DaemonError("NOT_READY", `netattachd is not ready: ${why}`, { phase: "add" });
  }

  return {
    ...service,
    attach: async (req, ctx) => {
      await admit();
      return service.attach(req, ctx);
    },
    // Never refused: it is only told the readiness, for a DEL with nothing saved (detach-unrecorded.ts).
    detach: (req, ctx) => service.detach(req, { ...ctx, readiness: opts }),
    // A hot-plug resolves and plans like an ADD, so it is admitted like one.
    attachNetwork: async (req, ctx) => {
      await admit();
      return service.attachNetwork(req, ctx);
    },
    applyNetworkChanges: async (changes, ctx) => {
      await admit();
      return service.applyNetworkChanges(changes, ctx);
    },
  };
}
