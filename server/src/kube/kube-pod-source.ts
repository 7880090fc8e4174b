// PodSource over the node's pod informer: the cache answers (0 requests); a pod missing from
// it, or cached with another UID than asked for (the cache may lag a recreate), gets one
// live GET with a bounded retry. API unreachable → KUBE_API_UNAVAILABLE (retryable, CNI 11).
import type { Logger } from "pino";
import type { PodInfo, PodLookup, PodSource } from "../resolve/index.js";
import type { ApiGate } from "./api-gate.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { liveGet } from "./live-get.js";
import { isStaticPod, podUidMatches } from "./pod-uid.js";
import type { SyncedInformer } from "./synced-informer.js";
import { type TrimmedPod, trimPod } from "./trim-object.js";

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
  gate: ApiGate;
  tuning: KubeTuning;
  log: Logger;
}): KubePodSource {
  const { informer, client, tuning, log } = deps;

  async function readLive(namespace: string, name: string, signal?: AbortSignal): Promise<PodLookup> {
    const get = () =>
      client.core.readNamespacedPod(
        { namespace, name },
        client.callOptions({ signal, timeoutMs: tuning.requestTimeoutMs }),
      );
    const pod = await liveGet(deps, `pod ${namespace}/${name}`, get, signal);
    return pod === undefined ? { reason: "not-found" } : { found: podInfoFromObject(trimPod(pod)) };
  }

  return {
    async getPod(namespace: string, name: string, opts: KubePodLookupOptions = {}): Promise<PodLookup> {
      const cached = informer.get(namespace, name);
      if (cached) {
        const info = podInfoFromObject(cached);
        if (podUidMatches(opts.uid, info)) return { found: info };
        log.info(
          { pod: `${namespace}/${name}`, cachedUid: info.uid, uid: opts.uid },
          "cached pod has another UID; reading it live",
        );
      }
      return readLive(namespace, name, opts.signal);
    },
    ready: () => informer.synced(),
  };
}
