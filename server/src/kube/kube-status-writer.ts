// network-status goes back with ONE merge PATCH on pods/status that sets only
// metadata.annotations["k8s.v1.cni.cncf.io/network-status"] — no GET first (Multus does
// GET + PUT with RetryOnConflict). A merge patch carries no resourceVersion, so it only
// conflicts when the server itself reports contention; 409, 5xx, 429 and connection errors
// are retried, bounded. A pod that is gone is not an error (nothing left to annotate).
//
// DEL writes nothing: the multi-net spec lets the status stay on a pod being torn down, and
// a write per DEL is load for nothing (Multus #1173 removed it); the attachment service
// calls write() on ADD only.
import type { Logger } from "pino";
import { PatchStrategy } from "@kubernetes/client-node";
import type { NetworkStatusEntry, NetworkStatusWriter, PodRef } from "../attach/types.js";
import { DaemonError } from "../errors/daemon-error.js";
import { classifyApiFailure } from "./api-failure.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { withRetry } from "./with-retry.js";

export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

/** The whole request body: nothing but the one annotation. */
export function networkStatusPatch(status: readonly NetworkStatusEntry[]): object {
  // Indented like Multus (json.MarshalIndent), so `kubectl get pod -o yaml` stays readable.
  return { metadata: { annotations: { [NETWORK_STATUS_ANNOTATION]: JSON.stringify(status, null, 4) } } };
}

export function createKubeStatusWriter(deps: {
  client: KubeClient;
  tuning: KubeTuning;
  policy: "fail" | "ignore";
  log: Logger;
}): NetworkStatusWriter {
  const { client, tuning, policy, log } = deps;
  return {
    async write(pod: PodRef, status: readonly NetworkStatusEntry[], opts: { signal?: AbortSignal }): Promise<void> {
      const { signal } = opts;
      const ref = `${pod.namespace}/${pod.name}`;
      const body = networkStatusPatch(status);
      try {
        await withRetry(
          () =>
            client.core.patchNamespacedPodStatus(
              { namespace: pod.namespace, name: pod.name, body },
              client.callOptions({ signal, timeoutMs: tuning.requestTimeoutMs, contentType: PatchStrategy.MergePatch }),
            ),
          {
            attempts: tuning.statusWriteAttempts,
            backoffMs: tuning.retryBackoffMs,
            signal,
            retryable: (err) => {
              const kind = classifyApiFailure(err, signal).kind;
              return kind === "conflict" || kind === "unavailable";
            },
            onRetry: (err, attempt) => log.debug({ err, attempt, pod: ref }, "network-status PATCH failed; retrying"),
          },
        );
      } catch (err) {
        const failure = classifyApiFailure(err, signal);
        if (failure.kind === "not-found") {
          log.info({ pod: ref }, "pod is gone; network-status not written");
          return;
        }
        if (failure.kind === "cancelled") {
          throw new DaemonError("CANCELLED", `writing network-status of pod ${ref}: cancelled by the caller`, { phase: "kube", source: `pod ${ref}` }, { cause: err });
        }
        if (policy === "ignore") {
          log.warn({ err, pod: ref, detail: failure.detail }, "network-status not written (statusFailurePolicy: ignore)");
          return;
        }
        throw new DaemonError(
          "STATUS_WRITE_FAILED",
          `writing network-status of pod ${ref} failed: ${failure.detail}`,
          { phase: "kube", source: `pod ${ref}` },
          { cause: err },
        );
      }
    },
  };
}
