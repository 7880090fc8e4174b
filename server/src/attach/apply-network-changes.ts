// A running sandbox's selections applied as one change (the annotation-driven hot-plug): matched
// against the saved delegates under the container lock (selection-match.ts), so what the change
// does is measured against what is attached, also when the runtime's ADD was still running when it
// came. Removals first (freeing interface names), then additions, each by the rules of
// DetachNetwork/AttachNetwork; a failed step is reported and the others still run. network-status
// is written once at the end, from what is saved; when that write fails (statusFailurePolicy fail),
// the additions are taken off again, as a single AttachNetwork's would be, so the pod keeps no
// interface its status does not list. Events: one per removal, ONE listing every interface added,
// one per failure.
import type { Logger } from "pino";
import { describeError } from "../errors/describe-error.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import type { AttachedInterface, NetworkChanges, NetworkChangesOutcome } from "./contract.js";
import { writeStatus, type AttachDeps } from "./attach.js";
import { attachNetwork } from "./attach-network.js";
import { loadAttached } from "./attached-record.js";
import { detachNetwork } from "./detach-network.js";
import { networkRef } from "./network-ref.js";
import { recordNetworkStatus } from "./record-status.js";
import { matchSelections } from "./selection-match.js";
import { markDefaultNetworks } from "./default-network-marks.js";

type Failure = NetworkChangesOutcome["failures"][number];

export interface ChangesCall {
  readonly signal: AbortSignal;
  readonly rollbackSignal: () => AbortSignal;
  readonly log: Logger;
}

export async function applyNetworkChanges(
  deps: AttachDeps,
  changes: NetworkChanges,
  call: ChangesCall,
): Promise<NetworkChangesOutcome> {
  const { containerId, pod } = changes;
  const record = await loadAttached(deps.store, containerId, "hotplug");
  const marked = markDefaultNetworks(record.plan, deps.selectionConfig);
  if (marked.inferred.length > 0)
    call.log.info(
      { delegates: marked.inferred.map((d) => `${d.network}@${d.ifName}`) },
      "attachment saved by an older netattachd: these delegates are taken as from defaultNetworks, which the networks annotation never removes",
    );
  const todo = matchSelections(marked.plan.delegates, changes.selections, pod.namespace);
  let attached: AttachedInterface[] = [];
  const removed: Array<{ network: string; ifName: string }> = [];
  const failures: Failure[] = [];
  let detachFailed = false;
  const emit = (e: Omit<AttachmentEvent, "time" | "containerId" | "pod">): void =>
    deps.events.emit({ ...e, time: deps.now(), containerId, pod });
  const failed = (kind: AttachmentEvent["kind"], step: string, err: unknown, started: number, more = ""): void => {
    const d = describeError(err);
    // A step cut off says by what (the sandbox's DEL, the daemon stopping, the deadline): its own error says only "the caller".
    const reason: unknown = call.signal.reason;
    const why = call.signal.aborted ? ` (${reason instanceof Error ? reason.message : String(reason)})` : "";
    const note = more + why;
    failures.push({ step, reason: d.code, message: d.message + note });
    call.log.warn({ err, reason: d.code, step }, "annotation hot-plug step failed");
    const where = Object.fromEntries(
      (["network", "ifName", "plugin", "phase"] as const).flatMap((k) => (d.context[k] ? [[k, d.context[k]]] : [])),
    );
    emit({
      kind,
      outcome: "failed",
      reason: d.code,
      message: d.message + note,
      durationMs: performance.now() - started,
      ...where,
    });
  };

  for (const d of todo.detach) {
    const started = performance.now();
    const network = networkRef(d);
    try {
      const req = { containerId, ifName: d.ifName, ...(network !== undefined ? { network } : {}) };
      const res = await detachNetwork(deps, req, call, { writeStatus: false });
      removed.push(...res.removed);
      for (const r of res.removed)
        emit({
          kind: "hotplug-detach",
          outcome: res.orphaned.length > 0 ? "partial" : "ok",
          network: r.network,
          ifName: r.ifName,
          durationMs: performance.now() - started,
        });
    } catch (err) {
      failed("hotplug-detach", `detach ${d.ifName} (${d.network})`, err, started);
      detachFailed = true;
    }
  }
  const started = performance.now();
  for (const { selection, index } of todo.attach) {
    const stepStarted = performance.now();
    const place = { source: changes.source, index };
    try {
      attached.push(
        (await attachNetwork(deps, { containerId, selection }, call, { writeStatus: false, place })).attached,
      );
    } catch (err) {
      const name = `${selection.namespace ?? pod.namespace}/${selection.name}`;
      failed(
        "hotplug-attach",
        `attach ${name}${selection.interface ? `@${selection.interface}` : ""}`,
        err,
        stepStarted,
      );
    }
  }
  // A failed detach may still have changed what is saved (removed, default route not restored).
  if (attached.length > 0 || removed.length > 0 || detachFailed) {
    const writing = performance.now();
    try {
      await writeSavedStatus(deps, containerId, call.signal);
    } catch (err) {
      // Each addition taken off reports the failed write; removals cannot be taken back (as DetachNetwork).
      if (attached.length > 0) attached = await takeOff(attached, err);
      else failed("hotplug-detach", "write network-status", err, writing);
    }
  }
  // After the status write, as a single AttachNetwork reports once its PATCH is done.
  if (attached.length > 0) {
    const interfaces = attached.map((i) => ({
      network: i.network,
      ifName: i.ifName,
      ips: i.ips.map((ip) => ip.address),
    }));
    emit({ kind: "hotplug-attach", outcome: "ok", interfaces, durationMs: performance.now() - started });
  }
  return { attached, removed, failures };

  /** Detaches what this change added, newest first; returns what could not be taken off. */
  async function takeOff(added: readonly AttachedInterface[], cause: unknown): Promise<AttachedInterface[]> {
    const kept: AttachedInterface[] = [];
    for (const i of [...added].reverse()) {
      const began = performance.now();
      const step = `attach ${i.network}@${i.ifName}`;
      try {
        const rollback = { signal: call.rollbackSignal(), log: call.log };
        await detachNetwork(deps, { containerId, ifName: i.ifName }, rollback, { writeStatus: false });
        failed("hotplug-attach", step, cause, began, `; ${i.ifName} rolled back`);
      } catch (err) {
        kept.unshift(i);
        failed("hotplug-attach", `roll back ${i.network}@${i.ifName}`, err, began);
      }
    }
    return kept;
  }
}

/** Writes network-status from what is saved for `containerId` (nothing when no record is found). */
export async function writeSavedStatus(
  deps: Pick<AttachDeps, "store" | "statusWriter">,
  containerId: string,
  signal: AbortSignal,
): Promise<void> {
  const read = await deps.store.load(containerId);
  if (read.state !== "found") return;
  await writeStatus(deps, read.record.plan, { networkStatus: await recordNetworkStatus(read.record) }, signal);
}
