// Several hot-plug steps on one sandbox as one change (the annotation-driven hot-plug): removals
// first (freeing interface names), then additions, each by the rules of DetachNetwork/AttachNetwork;
// a failed step is reported and the others still run. network-status is written once at the end,
// from what is saved. Events: one per removal, ONE listing every interface added, one per failure.
import type { Logger } from "pino";
import { describeError } from "../errors/describe-error.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import type { AttachedInterface, NetworkChanges, NetworkChangesOutcome } from "./contract.js";

type Failure = NetworkChangesOutcome["failures"][number];
import { writeStatus, type AttachDeps } from "./attach.js";
import { attachNetwork } from "./attach-network.js";
import { detachNetwork } from "./detach-network.js";
import { recordNetworkStatus } from "./record-status.js";

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
  const attached: AttachedInterface[] = [];
  const removed: Array<{ network: string; ifName: string }> = [];
  const failures: Failure[] = [];
  const emit = (e: Omit<AttachmentEvent, "time" | "containerId" | "pod">): void =>
    deps.events.emit({ ...e, time: deps.now(), containerId, pod });
  const failed = (
    kind: AttachmentEvent["kind"],
    step: string,
    err: unknown,
    started: number,
    entry: Pick<Failure, "attach" | "detach"> = {},
  ): void => {
    const d = describeError(err);
    failures.push({ step, reason: d.code, message: d.message, ...entry });
    call.log.warn({ err, reason: d.code, step }, "annotation hot-plug step failed");
    const where = Object.fromEntries(
      (["network", "ifName", "plugin", "phase"] as const).flatMap((k) => (d.context[k] ? [[k, d.context[k]]] : [])),
    );
    emit({
      kind,
      outcome: "failed",
      reason: d.code,
      message: d.message,
      durationMs: performance.now() - started,
      ...where,
    });
  };

  for (const [index, target] of changes.detach.entries()) {
    const step =
      target.ifName !== undefined
        ? `detach ${target.ifName}`
        : `detach ${target.network?.namespace}/${target.network?.name}`;
    const started = performance.now();
    try {
      const res = await detachNetwork(deps, { containerId, ...target }, call, { writeStatus: false });
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
      failed("hotplug-detach", step, err, started, { detach: index });
    }
  }
  const started = performance.now();
  for (const [index, selection] of changes.attach.entries()) {
    const stepStarted = performance.now();
    try {
      attached.push((await attachNetwork(deps, { containerId, selection }, call, { writeStatus: false })).attached);
    } catch (err) {
      failed(
        "hotplug-attach",
        `attach ${selection.namespace ?? pod.namespace}/${selection.name}${selection.interface ? `@${selection.interface}` : ""}`,
        err,
        stepStarted,
        { attach: index },
      );
    }
  }
  if (attached.length > 0 || removed.length > 0) {
    const writing = performance.now();
    await writeSavedStatus(deps, containerId, call.signal).catch((err: unknown) =>
      failed(attached.length > 0 ? "hotplug-attach" : "hotplug-detach", "write network-status", err, writing),
    );
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
}

async function writeSavedStatus(deps: AttachDeps, containerId: string, signal: AbortSignal): Promise<void> {
  const read = await deps.store.load(containerId);
  if (read.state !== "found") return;
  await writeStatus(deps, read.record.plan, { networkStatus: await recordNetworkStatus(read.record) }, signal);
}
