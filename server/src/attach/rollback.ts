// ADD's rollback: DEL of every delegate whose plugin ran (last first), through the one cleanup
// path DEL uses, device-info files included, then (a hot-plug's) the pod's default routes put back;
// the ADD's error then says whether that was complete and what is left.
import type { Logger } from "pino";
import { DaemonError } from "../errors/daemon-error.js";
import type { PinnedNetns } from "../netns/netns-guard.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { describeLeft, releaseDelegates, releaseTarget, type ReleaseDeps, type Released } from "./release-delegates.js";
import { settleRelease, type SettleDeps } from "./settle-release.js";

/**
 * DEL every delegate whose plugin ran, through the one cleanup path, and say in the ADD's error
 * whether that was complete: what is left is orphaned for the reconciler (its own deadline budgets the
 * plugins' DELs, release-delegates.ts), or, when the daemon stopped it, kept for the runtime's DEL,
 * which must follow a failed ADD.
 */
export async function rollback(
  deps: ReleaseDeps & SettleDeps,
  record: AttachmentRecord,
  /** The namespace the ADD checked and configured: rollback deletes there, whatever the path names now. */
  pinned: PinnedNetns,
  tried: readonly PlannedDelegate[],
  cause: DaemonError,
  call: { readonly signal: AbortSignal; readonly log: Logger },
  /** A hot-plug's: the sandbox's other delegates, which stay attached and untouched. */
  stays?: readonly PlannedDelegate[],
  /** A hot-plug's whose default-route edit ran: puts the pod's default routes back, once the new interface is released. */
  undoRoutes?: (signal: AbortSignal) => Promise<void>,
): Promise<DaemonError> {
  const { plan } = record;
  const started = deps.now();
  let note: string;
  let outcome: "ok" | "partial" | "failed" = "ok";
  try {
    const target = releaseTarget(plan, pinned);
    const released = await releaseDelegates(deps, target, tried, "rollback", call, record.results, cause);
    // Rollback works on the delegates that ran: the record keeps only those for what is left.
    const settled = await settleRelease(
      deps,
      stays === undefined ? { ...record, plan: { ...plan, delegates: tried } } : record,
      released,
      "attachments",
      stays,
      call.log,
    );
    if (settled.interrupted.length > 0) {
      outcome = "failed";
      note = `rollback incomplete, kept for DEL: ${describeLeft(settled.interrupted)}`;
    } else if (settled.orphaned.length > 0) {
      outcome = "partial";
      note = `rollback incomplete: ${describeLeft(settled.orphaned)}; the reconciler retries it`;
    } else {
      note = tried.length === 0 ? "nothing to roll back: no plugin ran" : rolledBack(released.delegates);
    }
  } catch (err) {
    outcome = "failed";
    note = `rollback could not update the attachment store: ${err instanceof Error ? err.message : String(err)}`;
    call.log.error({ containerId: plan.containerId, err }, "rollback could not update the attachment store");
  }
  // Whatever became of the store: the pod's default routes go back (undo never throws).
  const routes = await undo(undoRoutes, call);
  if (routes !== undefined) {
    if (outcome === "ok") outcome = "partial";
    note += `; ${routes}`;
  }
  deps.events.emit({
    kind: "rollback",
    outcome,
    time: deps.now(),
    containerId: plan.containerId,
    pod: plan.pod,
    ...(cause.context.network !== undefined ? { network: cause.context.network } : {}),
    ...(cause.context.plugin !== undefined ? { plugin: cause.context.plugin } : {}),
    phase: "rollback",
    reason: cause.code,
    message: note,
    durationMs: deps.now().getTime() - started.getTime(),
  });
  return new DaemonError(cause.code, `${cause.message} (${note})`, cause.context, { cause: cause.cause ?? cause });
}

/** Runs the default-route undo; what went wrong, for the ADD's error, or undefined. */
async function undo(
  undoRoutes: ((signal: AbortSignal) => Promise<void>) | undefined,
  call: { readonly signal: AbortSignal; readonly log: Logger },
): Promise<string | undefined> {
  if (undoRoutes === undefined) return undefined;
  try {
    await undoRoutes(call.signal);
    return undefined;
  } catch (err) {
    call.log.error({ err }, "rollback could not restore the pod's default routes");
    return `the pod's default routes were not restored: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function rolledBack(released: readonly Released[]): string {
  const deleted = released.filter((r) => r.how === "deleted").length;
  const cleaned = released.filter((r) => r.how === "cleaned").length;
  const plural = (n: number): string => `${n} delegate${n === 1 ? "" : "s"}`;
  return `rolled back: ${plural(deleted)} deleted${cleaned > 0 ? `, ${cleaned} cleaned up by netattach after its plugin's DEL failed` : ""}`;
}
