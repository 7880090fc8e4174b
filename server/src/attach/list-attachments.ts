// Summaries of saved attachments for ListAttachments, straight from the stores: the attachments,
// then the orphans (delegates DEL could not release, which the reconciler retries); records that
// cannot be read are listed apart, so an operator sees them.
import type { AttachmentListing, AttachmentSummary, UnreadableRecord } from "./contract.js";
import {
  describeUnreadable,
  isUnreadable,
  RECORD_VERSION,
  type AttachmentRecord,
  type AttachmentStore,
  type UnreadableRead,
} from "./attachment-store.js";
import { buildAttachedInterface } from "./attached-interface.js";
import { defaultRouteGateways } from "./default-routes.js";

export interface ListFilter {
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly containerId?: string;
}

export async function listAttachments(
  stores: { store: AttachmentStore; orphans: AttachmentStore },
  filter: ListFilter,
): Promise<AttachmentListing> {
  const out: AttachmentSummary[] = [];
  const unreadable: UnreadableRecord[] = [];
  const byPod = (filter.podNamespace ?? "") !== "" || (filter.podName ?? "") !== "";
  const otherContainer = (id: string): boolean =>
    filter.containerId !== undefined && filter.containerId !== "" && id !== filter.containerId;
  for (const store of [stores.store, stores.orphans]) {
    for (const { containerId, read } of await store.list()) {
      if (isUnreadable(read) && !byPod && !otherContainer(containerId))
        unreadable.push(unreadableSummary(containerId, read));
      if (read.state !== "found") continue;
      const { plan } = read.record;
      if (otherContainer(plan.containerId)) continue;
      if (filter.podNamespace !== undefined && filter.podNamespace !== "" && plan.pod.namespace !== filter.podNamespace)
        continue;
      if (filter.podName !== undefined && filter.podName !== "" && plan.pod.name !== filter.podName) continue;
      out.push(summarize(read.record));
    }
  }
  return { attachments: out, unreadable };
}

function unreadableSummary(containerId: string, read: UnreadableRead): UnreadableRecord {
  if (read.state === "corrupt") return { containerId, path: read.path, problem: read.problem };
  return {
    containerId,
    path: read.path,
    problem: describeUnreadable(read),
    tooNew: { recordVersion: read.version, readerVersion: RECORD_VERSION },
  };
}

function summarize(record: AttachmentRecord): AttachmentSummary {
  const { plan } = record;
  return {
    containerId: plan.containerId,
    netns: plan.netns,
    pod: plan.pod,
    interfaces: interfaceSummaries(record),
    phase: record.phase,
    ...(record.cause !== undefined && record.cause !== "" ? { cause: record.cause } : {}),
    history: record.history ?? [],
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * Each delegate's interface with what its saved result says; default-route gateways as the pod
 * holds them (the result's, as changed by default-route selections). A result that cannot be read
 * (an odd plugin output) still lists its interface, without addresses.
 */
export function interfaceSummaries(record: AttachmentRecord): AttachmentSummary["interfaces"] {
  const gatewaysFor = defaultRouteGateways(record.plan);
  return record.plan.delegates.map((d) => {
    const base = { network: d.network, ifName: d.ifName, isDefault: d.isDefault };
    const result = record.results[d.ifName];
    if (result === undefined) return { ...base, ips: [], gateways: [] };
    try {
      const i = buildAttachedInterface(d, result);
      return {
        ...base,
        ips: i.ips.map((ip) => ip.address),
        ...(i.mac !== undefined ? { mac: i.mac } : {}),
        gateways: gatewaysFor !== undefined ? gatewaysFor(d.ifName, i.gateways) : [...i.gateways],
      };
    } catch {
      return { ...base, ips: [], gateways: [] };
    }
  });
}
