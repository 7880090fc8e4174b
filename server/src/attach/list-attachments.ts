// Summaries of saved attachments for ListAttachments, straight from the store.
import type { CniResult } from "../cni/index.js";
import type { AttachedInterface, AttachmentSummary, PlannedDelegate } from "./types.js";
import type { AttachmentRecord, AttachmentStore } from "./attachment-store.js";
import { buildAttachedInterface } from "./attached-interface.js";

export interface ListFilter {
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly containerId?: string;
}

export async function listAttachments(store: AttachmentStore, filter: ListFilter): Promise<AttachmentSummary[]> {
  const entries = await store.list();
  const out: AttachmentSummary[] = [];
  for (const { read } of entries) {
    if (read.state !== "found") continue;
    const { plan } = read.record;
    if (filter.containerId !== undefined && filter.containerId !== "" && plan.containerId !== filter.containerId) continue;
    if (filter.podNamespace !== undefined && filter.podNamespace !== "" && plan.pod.namespace !== filter.podNamespace) continue;
    if (filter.podName !== undefined && filter.podName !== "" && plan.pod.name !== filter.podName) continue;
    out.push(summarize(read.record));
  }
  return out;
}

function summarize(record: AttachmentRecord): AttachmentSummary {
  const { plan } = record;
  return {
    containerId: plan.containerId,
    netns: plan.netns,
    pod: plan.pod,
    interfaces: plan.delegates.map((d) => {
      const result = record.results[d.ifName];
      const i = result !== undefined ? attachedOrUndefined(d, result) : undefined;
      if (i === undefined) return { network: d.network, ifName: d.ifName, ips: [], isDefault: d.isDefault };
      return { network: d.network, ifName: d.ifName, ips: i.ips.map((ip) => ip.address), ...(i.mac !== undefined ? { mac: i.mac } : {}), isDefault: d.isDefault };
    }),
    createdAt: record.createdAt,
  };
}

/** A saved result that cannot be read (an odd plugin output) still lists its interface, without addresses. */
function attachedOrUndefined(d: PlannedDelegate, result: CniResult): AttachedInterface | undefined {
  try {
    return buildAttachedInterface(d, result);
  } catch {
    return undefined;
  }
}
