// PodSource over the node's pod informer: the cache answers (0 requests); a pod missing from
// it, or cached with another UID than asked for (the cache may lag a recreate), gets one
// live GET with a bounded retry. API unreachable → KUBE_API_UNAVAILABLE (retryable, CNI 11).
import type { Logger } from "pino";
import type { PodInfo, PodLookup, PodSource } from "../resolve/types.js";
import { apiFailureError, classifyApiFailure } from "./api-failure.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { isStaticPod, podUidMatches } from "./pod-uid.js";
import type { SyncedInformer } from "./synced-informer.js";
import { type TrimmedPod, trimPod } from "./trim-object.js";
import { withRetry } from "./with-retry.js";

/** getPod options: `uid` (the runtime's K8S_POD_UID) lets a stale cache entry be re-read. */
export interface KubePodLookupOptions {
  readonly signal?: AbortSignal;
  readonly uid?: string;
}

export interface KubePodSource extends PodSource {
  getPod(namespace: string, name: string, opts?: KubePodLookupOptions): Promise<PodLookup>;
}

export function podInfoFromObject(pod: TrimmedPod): PodInfo {
  const annotations = pod.metadata.annotations ?? {};
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    annotations,
    isStatic: isStaticPod(annotations),
  };
}

export function createKubePodSource(deps: {
  informer: SyncedInformer<TrimmedPod>;
  client: KubeClient;
  tuning: KubeTuning;
  log: Logger;
}): KubePodSource {
  const { informer, client, tuning, log } = deps;

  async function liveGet(namespace: string, name: string, signal?: AbortSignal): Promise<PodLookup> {
    const source = `pod ${namespace}/${name}`;
    try {
      const pod = await withRetry(
        () => client.core.readNamespacedPod({ namespace, name }, client.callOptions({ signal, timeoutMs: tuning.requestTimeoutMs })),
        {
          attempts: tuning.liveGetAttempts,
          backoffMs: tuning.retryBackoffMs,
          signal,
          retryable: (err) => classifyApiFailure(err, signal).kind === "unavailable",
          onRetry: (err, attempt) => log.debug({ err, attempt, pod: `${namespace}/${name}` }, "pod GET failed; retrying"),
        },
      );
      return { found: podInfoFromObject(trimPod(pod)) };
    } catch (err) {
      const failure = classifyApiFailure(err, signal);
      if (failure.kind === "not-found") return { reason: "not-found" };
      throw apiFailureError(failure.kind === "conflict" ? { kind: "unavailable", detail: failure.detail } : failure, `reading ${source}`, source, err);
    }
  }

  return {
    async getPod(namespace: string, name: string, opts: KubePodLookupOptions = {}): Promise<PodLookup> {
      const cached = informer.get(namespace, name);
      if (cached) {
        const info = podInfoFromObject(cached);
        if (podUidMatches(opts.uid, info)) return { found: info };
        log.info({ pod: `${namespace}/${name}`, cachedUid: info.uid, uid: opts.uid }, "cached pod has another UID; reading it live");
      }
      return liveGet(namespace, name, opts.signal);
    },
    ready: () => informer.synced(),
  };
}
