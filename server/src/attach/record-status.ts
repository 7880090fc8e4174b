// The pod's network-status as a saved attachment stands: every delegate with its saved result and
// the default-route gateways the pod holds. What a hot-plug writes once it has changed the record.
import type { NetworkStatusEntry } from "./network-status-entry.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { buildAttachResult } from "./attach-result.js";
import { defaultRouteGateways } from "./default-routes.js";

export async function recordNetworkStatus(
  record: Pick<AttachmentRecord, "plan" | "results">,
): Promise<readonly NetworkStatusEntry[]> {
  const answer = await buildAttachResult(record.plan, record.results, defaultRouteGateways(record.plan), undefined);
  return answer.networkStatus;
}
