// Summaries of saved attachments for ListAttachments, straight from the stores: the attachments,
// then the orphans (delegates DEL could not release, which the reconciler retries).
import type { AttachmentSummary } from "./contract.js";
import type { AttachmentRecord, AttachmentStore } from "./attachment-store.js";
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
): Promise<AttachmentSummary[]> {
  const out: AttachmentSummary[] = [];
  for (const store of [stores.store, stores.orphans]) {
    for (const { read } of await store.list()) {
      if (read.state !== "found") continue;
      const { plan } = read.record;
      if (filter.containerId !== undefined && filter.containerId !== "" && plan.containerId !== filter.containerId)
        continue;
      if (filter.podNamespace !== undefined && filter.podNamespace !== "" && plan.pod.namespace !== filter.podNamespace)
        continue;
      if (filter.podName !== undefined && filter.podName !== "" && plan.pod.name !== filter.podName) continue;
      out.push(summarize(read.record));
    }
  }
  return out;
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
