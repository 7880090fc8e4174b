// DEL from the saved plan alone (no resolver, no pod source) — with nothing saved, the cluster
// network from config (detach-unrecorded.ts) — through the one cleanup path: it always finishes.
// What no plugin and no fallback could release is orphaned for the reconciler and DEL still
// succeeds, so the runtime's StopPodSandbox completes; only a call cancelled or out of time keeps
// the attachment (phase detaching) for the runtime's retry. The record says detaching from before
// the first plugin runs, so a daemon that dies mid-way never lists released addresses as attached;
// the next one finishes that DEL at start-up (unfinished-adds.ts).
import type { Logger } from "pino";
import { quoteInput } from "../errors/bounded-text.js";
import { DaemonError, isDaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import type { DetachRequest, DetachResult, ReadinessView } from "./contract.js";
import { isUnreadable, unreadableRecordError, type AttachmentRecord } from "./attachment-store.js";
import { describeLeft, releaseDelegates, releaseTarget, type ReleaseDeps } from "./release-delegates.js";
import { settleRelease, type SettleDeps } from "./settle-release.js";
import { checkAskedNetns, holding, pinForDelete } from "./netns-rules.js";
import type { SettledIds } from "./settled-ids.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { delegateList } from "./delegate-invocation.js";
import {
  logUnrecordedRelease,
  unrecordedRelease,
  type UnrecordedDeps,
  type UnrecordedWait,
} from "./detach-unrecorded.js";

export interface DetachDeps extends ReleaseDeps, SettleDeps {
  readonly netns: NetnsGuard;
  /** Told every container id a DEL or the reconciler finished with; none when absent. */
  readonly settled?: SettledIds;
}

export interface DetachCall {
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Told what a DEL releases, before anything runs (its event names that pod and those networks):
   * the saved record, or, with nothing saved, the cluster network from config (detach-unrecorded.ts).
   */
  readonly onRecord?: (record: AttachmentRecord, from: "saved" | "config") => void;
  /** The daemon's readiness, read only with nothing saved (detach-unrecorded.ts); absent = ready. */
  readonly readiness?: ReadinessView;
  /** What waiting for readiness before the locks found (awaitUnrecordedReadiness); absent = nothing waited for, or ready. */
  readonly waited?: UnrecordedWait;
}

export async function detach(
  deps: DetachDeps & UnrecordedDeps,
  req: DetachRequest,
  call: DetachCall,
): Promise<DetachResult> {
  const read = await deps.store.load(req.containerId);
  if (read.state === "missing") {
    const unrecorded = await unrecordedRelease(deps, req, call, call.waited);
    if (unrecorded === undefined) return { removed: [], orphaned: [] };
    call.onRecord?.(unrecorded.record, "config");
    const res = await detachRecord(deps, unrecorded.record, call, "del");
    logUnrecordedRelease(call.log, unrecorded, res);
    return res;
  }
  if (isUnreadable(read))
    throw unreadableRecordError(read, req.containerId, "its delegates cannot be deleted without it");
  // An attachment is (container id, ifname), as CHECK takes it: a DEL naming another interface (a second
  // conflist that also runs the shim) has nothing to delete, and must not tear down this one. Absent = the saved one.
  const saved = read.record.plan.primaryIfName;
  if (req.primaryIfName !== undefined && req.primaryIfName !== "" && req.primaryIfName !== saved) {
    call.log.warn(
      { containerId: req.containerId, ifName: req.primaryIfName, savedIfName: saved },
      `DEL of container ${req.containerId} on interface ${quoteInput(req.primaryIfName)} deletes nothing: its attachment is on ${saved}`,
    );
    return { removed: [], orphaned: [] };
  }
  call.onRecord?.(read.record, "saved");
  checkAskedNetns(deps.netns, read.record, req.netns, "DEL");
  return detachRecord(deps, read.record, call, "del");
}

/**
 * Releases every saved delegate of `record` in the saved namespace (or "" when it is gone) and
 * settles the stores. `kind` says who asked: the runtime's DEL or the reconciler.
 */
export async function detachRecord(
  deps: DetachDeps,
  record: AttachmentRecord,
  call: DetachCall,
  kind: "del" | "reconcile",
): Promise<DetachResult> {
  const { plan } = record;
  const started = deps.now();
  // A DEL's own event comes from the service (one per call, refusals included); the reconciler's from here.
  const event = (outcome: AttachmentEvent["outcome"], extra: Partial<AttachmentEvent>): void => {
    if (kind === "reconcile") emitReconcile(outcome, extra);
  };
  const emitReconcile = (outcome: AttachmentEvent["outcome"], extra: Partial<AttachmentEvent>): void =>
    deps.events.emit({
      kind: "reconcile",
      outcome,
      time: deps.now(),
      containerId: plan.containerId,
      pod: plan.pod,
      phase: kind,
      durationMs: deps.now().getTime() - started.getTime(),
      ...extra,
    });
  try {
    await markDetaching(deps, record, call.log);
    // An empty saved netns names none (a DEL with nothing saved): plugins get "" and enter nothing.
    const pinned = plan.netns === "" ? undefined : await pinForDelete(deps, record, call.signal);
    const outcome = await holding(pinned, () =>
      releaseDelegates(
        deps,
        { ...releaseTarget(plan, pinned), sandboxEnds: true },
        plan.delegates,
        kind,
        call,
        record.results,
      ),
    );
    const settled = await settleRelease(deps, record, outcome, "attachments", undefined, call.log);
    const gone = outcome.delegates.filter((r) => r.how === "deleted" || r.how === "cleaned");
    const removed = gone.map((r) => ({ network: r.delegate.network, ifName: r.delegate.ifName }));
    if (settled.interrupted.length > 0) {
      const first = settled.interrupted[0]!.error;
      throw new DaemonError(
        "DETACH_INCOMPLETE",
        `container ${plan.containerId}: ${settled.interrupted.length} of ${plan.delegates.length} delegates were not deleted before the call ended (state kept for a retry): ${describeLeft(settled.interrupted)}`,
        { ...first.context, phase: "del" },
        { cause: first },
      );
    }
    const orphaned = settled.orphaned.map((r) => ({
      network: r.delegate.network,
      ifName: r.delegate.ifName,
      cause: r.cause,
    }));
    // Without the netns, bridge's and ptp's DEL (up to at least 1.1.1) release the IPAM address and
    // return before their ipMasq teardown, whose addresses they read from the pod's interface. Said,
    // not fixed: netattach does not edit the host's iptables by guessing the plugin's chain names.
    const masqueradeLeft =
      pinned === undefined
        ? outcome.delegates
            .filter((r) => r.how === "deleted" && masquerades(r.delegate))
            .map((r) => ({ network: r.delegate.network, ifName: r.delegate.ifName }))
        : [];
    deps.settled?.add(plan.containerId);
    event(
      orphaned.length === 0 ? "ok" : "partial",
      orphaned.length > 0 ? { message: `orphaned for the reconciler: ${describeLeft(settled.orphaned)}` } : {},
    );
    return { removed, orphaned, ...(masqueradeLeft.length > 0 ? { masqueradeLeft } : {}) };
  } catch (err) {
    event("failed", {
      reason: isDaemonError(err) ? err.code : "INTERNAL",
      message: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

/**
 * Saves `record` as detaching before its first plugin runs (one durable write per DEL). Skipped when
 * it already is (a retried DEL): the write would change only its time. A failed write is logged and
 * the DEL goes on: teardown always finishes, and a record left attached is what a crash leaves
 * without this mark — the DEL is re-run whole either way.
 */
async function markDetaching(deps: DetachDeps, record: AttachmentRecord, log: Logger): Promise<void> {
  if (record.phase === "detaching") return;
  const now = deps.now().toISOString();
  try {
    await deps.store.save({
      ...record,
      phase: "detaching",
      cause: `a DEL started at ${now} and has not finished`,
      updatedAt: now,
    });
  } catch (err) {
    log.warn({ err }, "DEL could not save the attachment as detaching; deleting its delegates anyway");
  }
}

/** Whether a plugin of the delegate's conf masquerades its addresses on the host (bridge, ptp: `"ipMasq": true`). */
function masquerades(delegate: PlannedDelegate): boolean {
  return delegateList(delegate, "del").plugins.some((p) => p.ipMasq === true);
}
