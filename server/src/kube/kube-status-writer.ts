// network-status goes back with ONE merge PATCH on pods/status that sets
// metadata.annotations["k8s.v1.cni.cncf.io/network-status"] — no GET first (Multus does
// GET + PUT with RetryOnConflict). The PATCH also carries metadata.uid, the sandbox's pod UID:
// the API server keeps UIDs immutable, so when the pod was deleted and recreated under the same
// name meanwhile it answers 422 (metadata.uid: field is immutable) and writes nothing — an old
// sandbox's addresses never land on the new pod. That ADD then fails with POD_UID_MISMATCH (it
// is rolled back, its addresses released at once; kubelet does not retry sandboxes of deleted
// pods). Static pods are the exception: their API object (the mirror pod) has a UID of its own,
// so a PATCH for a pod the cache knows as static is not bound to a UID.
//
// A merge patch carries no resourceVersion, so it only conflicts when the server itself reports
// contention; 409, 5xx, 429 and connection errors are retried, bounded (one try while the API
// server is failing: api-gate.ts). A pod that is gone (404) is not an error: nothing left to annotate.
//
// DEL writes nothing: the multi-net spec lets the status stay on a pod being torn down, and
// a write per DEL is load for nothing (Multus #1173 removed it); the attachment service
// calls write() on ADD only.
import type { Logger } from "pino";
import { PatchStrategy } from "@kubernetes/client-node";
import type { NetworkStatusEntry, NetworkStatusWriter, PodRef } from "../attach/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { classifyApiFailure } from "./api-failure.js";
import type { ApiGate } from "./api-gate.js";
import { FIELD_MANAGER } from "./client-identity.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { isStaticPod } from "./pod-uid.js";
import type { SyncedInformer } from "./synced-informer.js";
import type { TrimmedPod } from "./trim-object.js";
import { withRetry } from "../retry/index.js";

export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

/** The whole request body: the one annotation, bound to `uid` when given. */
export function networkStatusPatch(status: readonly NetworkStatusEntry[], uid?: string): object {
  // Indented like Multus (json.MarshalIndent), so `kubectl get pod -o yaml` stays readable.
  const annotations = { [NETWORK_STATUS_ANNOTATION]: JSON.stringify(status, null, 4) };
  return { metadata: uid ? { uid, annotations } : { annotations } };
}

export function createKubeStatusWriter(deps: {
  client: KubeClient;
  pods: SyncedInformer<TrimmedPod>;
  gate: ApiGate;
  tuning: KubeTuning;
  policy: "fail" | "ignore";
  log: Logger;
}): NetworkStatusWriter {
  const { client, pods, gate, tuning, policy, log } = deps;

  /** The UID to bind the write to: the runtime's, none for a static pod (its mirror pod's UID differs). */
  function boundUid(pod: PodRef): string | undefined {
    const cached = pods.get(pod.namespace, pod.name);
    if (cached && isStaticPod(cached.metadata.annotations)) return undefined;
    return pod.uid === "" ? undefined : pod.uid;
  }

  return {
    async write(pod: PodRef, status: readonly NetworkStatusEntry[], opts: { signal?: AbortSignal }): Promise<void> {
      const { signal } = opts;
      const ref = `${pod.namespace}/${pod.name}`;
      const source = `pod ${ref}`;
      const uid = boundUid(pod);
      const body = networkStatusPatch(status, uid);
      // One try while the API is known to be failing: the ADD is not held up by retries that would fail too.
      const attempts = gate.failing() ? 1 : tuning.statusWriteAttempts;
      try {
        await withRetry(
          () =>
            client.core.patchNamespacedPodStatus(
              { namespace: pod.namespace, name: pod.name, body, fieldManager: FIELD_MANAGER },
              client.callOptions({ signal, timeoutMs: tuning.requestTimeoutMs, contentType: PatchStrategy.MergePatch }),
            ),
          {
            attempts,
            backoff: { minMs: tuning.retryBackoffMs, maxMs: tuning.backoffMaxMs },
            ...(signal ? { signal } : {}),
            retryable: (err) => {
              const kind = classifyApiFailure(err, signal).kind;
              return kind === "conflict" || kind === "unavailable";
            },
            onRetry: (err, attempt) => log.debug({ err, attempt, pod: ref }, "network-status PATCH failed; retrying"),
          },
        );
        gate.observe();
      } catch (err) {
        const failure = classifyApiFailure(err, signal);
        gate.observe(failure);
        switch (failure.kind) {
          case "not-found":
            log.info({ pod: ref }, "pod is gone; network-status not written");
            return;
          case "uid-mismatch":
            throw new DaemonError(
              "POD_UID_MISMATCH",
              `pod ${ref} was deleted and recreated while sandbox UID ${uid} was attached: the API server holds another pod under that name and refused the network-status bound to UID ${uid} (${failure.detail}); nothing was written to the new pod`,
              { phase: "status-write", source },
              { cause: err },
            );
          case "cancelled":
            throw new DaemonError(
              "CANCELLED",
              `writing network-status of pod ${ref}: cancelled by the caller`,
              { phase: "kube", source },
              { cause: err },
            );
          default:
            if (policy === "ignore") {
              log.warn(
                { err, pod: ref, detail: failure.detail },
                "network-status not written (statusFailurePolicy: ignore)",
              );
              return;
            }
            throw new DaemonError(
              "STATUS_WRITE_FAILED",
              `writing network-status of pod ${ref} failed: ${failure.detail} (${tuning.requestTimeoutMs} ms per request, ${attempts} ${attempts === 1 ? "attempt" : "attempts"})`,
              { phase: "kube", source },
              { cause: err },
            );
        }
      }
    },
  };
}
