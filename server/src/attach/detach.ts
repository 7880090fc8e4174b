// DEL from the saved plan alone (no resolver, no pod source): last delegate first, past errors;
// state is dropped only when every delegate is gone, else kept with what is left for a retry.
import type { CniRuntime } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { DetachRequest, DetachResult } from "./types.js";
import { corruptRecordError, type AttachmentRecord, type AttachmentStore } from "./attachment-store.js";
import { deleteDelegates, describeFailures } from "./delete-delegates.js";
import { removeDeviceInfo } from "./device-info.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { checkDetachNetns, netnsForDelete } from "./netns-rules.js";

export interface DetachDeps {
  readonly runtime: CniRuntime;
  readonly store: AttachmentStore;
  readonly netns: NetnsGuard;
  readonly now: () => Date;
}

export async function detach(deps: DetachDeps, req: DetachRequest, signal: AbortSignal): Promise<DetachResult> {
  const read = await deps.store.load(req.containerId);
  if (read.state === "missing") return { removed: [] };
  if (read.state === "corrupt") throw corruptRecordError(read, req.containerId, "its delegates cannot be deleted without it");
  checkDetachNetns(deps.netns, read.record, req.netns);
  return detachRecord(deps, read.record, signal, req.netns);
}

/** DEL every saved delegate of `record` in the saved netns (or "" when it is gone; `asked` "" means gone). */
export async function detachRecord(deps: DetachDeps, record: AttachmentRecord, signal: AbortSignal, asked?: string): Promise<DetachResult> {
  const { plan } = record;
  const netns = netnsForDelete(deps.netns, record, asked);
  const outcome = await deleteDelegates(deps.runtime, { containerId: plan.containerId, netns }, plan.delegates, "del", signal, record.results);
  await Promise.all(outcome.removed.map(removeDeviceInfo));
  const removed = outcome.removed.map((d) => ({ network: d.network, ifName: d.ifName }));
  if (outcome.failed.length === 0) {
    await deps.store.remove(plan.containerId);
    return { removed };
  }
  const left = new Set(outcome.failed.map((f) => f.delegate.ifName));
  await deps.store.save({
    ...record,
    plan: { ...plan, delegates: plan.delegates.filter((d) => left.has(d.ifName)) },
    results: Object.fromEntries(Object.entries(record.results).filter(([ifName]) => left.has(ifName))),
    phase: "detaching",
    updatedAt: deps.now().toISOString(),
  });
  const first = outcome.failed[0]!.error;
  throw new DaemonError(
    "DETACH_INCOMPLETE",
    `container ${plan.containerId}: ${outcome.failed.length} of ${plan.delegates.length} delegates could not be deleted (state kept for a retry): ${describeFailures(outcome.failed)}`,
    { ...first.context, phase: "del" },
    { cause: first },
  );
}
