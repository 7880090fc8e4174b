// GC: detach every saved attachment whose container is no longer valid, then run CNI GC on each
// network still in use, telling it which attachments are valid. Errors are collected, not fatal.
import type { Attachment, NetworkConfigList } from "../cni/index.js";
import { isDaemonError } from "../errors/daemon-error.js";
import type { GcRequest, GcResult } from "./types.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { detachRecord, type DetachDeps } from "./detach.js";
import { delegateList } from "./delegate-invocation.js";
import { toDaemonError } from "./cni-error.js";

export async function gc(deps: DetachDeps, req: GcRequest, signal: AbortSignal): Promise<GcResult> {
  const errors: string[] = [];
  const removedContainerIds: string[] = [];
  const kept: AttachmentRecord[] = [];
  const valid = req.validContainerIds !== undefined ? new Set(req.validContainerIds) : undefined;

  for (const { containerId, read } of await deps.store.list()) {
    if (read.state === "corrupt") {
      errors.push(`container ${containerId}: saved attachment ${read.path} is corrupt (${read.problem}); left in place`);
      continue;
    }
    if (read.state !== "found") continue;
    if (valid === undefined || valid.has(containerId)) {
      kept.push(read.record);
      continue;
    }
    try {
      await detachRecord(deps, read.record, signal);
      removedContainerIds.push(containerId);
    } catch (err) {
      errors.push(isDaemonError(err) ? err.message : String(err));
      const reread = await deps.store.load(containerId);
      if (reread.state === "found") kept.push(reread.record);
    }
  }

  for (const { list, attachments } of networksInUse(kept, errors)) {
    try {
      await deps.runtime.gcNetworkList(list, { validAttachments: attachments }, { signal });
    } catch (err) {
      errors.push(toDaemonError(err, { network: list.name, phase: "gc" }, signal).message);
    }
  }
  return { removedContainerIds, errors };
}

/** Each distinct network (by config name, as the runtime caches it) with its valid attachments. */
function networksInUse(records: readonly AttachmentRecord[], errors: string[]): Array<{ list: NetworkConfigList; attachments: Attachment[] }> {
  const byName = new Map<string, { list: NetworkConfigList; attachments: Attachment[] }>();
  for (const { plan } of records) {
    for (const delegate of plan.delegates) {
      let list: NetworkConfigList;
      try {
        list = delegateList(delegate, "gc");
      } catch (err) {
        errors.push(isDaemonError(err) ? err.message : String(err));
        continue;
      }
      const entry = byName.get(list.name) ?? { list, attachments: [] };
      entry.attachments.push({ containerId: plan.containerId, ifName: delegate.ifName });
      byName.set(list.name, entry);
    }
  }
  return [...byName.values()];
}
