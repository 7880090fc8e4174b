// What the attachment service needs from the outside world and does not own: the Kubernetes
// edge implements these (or a no-op without a cluster).
import type { PodRef } from "./attachment-plan.js";
import type { NetworkStatusEntry } from "./network-status-entry.js";

/** Writes k8s.v1.cni.cncf.io/network-status back to the pod (Kubernetes edge); a no-op without a cluster. */
export interface NetworkStatusWriter {
  write(pod: PodRef, status: readonly NetworkStatusEntry[], opts: { signal?: AbortSignal }): Promise<void>;
}
