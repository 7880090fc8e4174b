// NetworkSource over the NetworkAttachmentDefinition informer(s). A definition missing from
// the cache gets one live GET (it may have been created just before its pod) before the
// lookup says not found, listing every place it looked. Resolution of the object itself
// (spec.config, then the conf dir) is shared with the manifest-dir source.
import type { Logger } from "pino";
import { nadRecordFromObject, nadToDefinition } from "../resolve/index.js";
import type { ConfDirFallback, NetworkLookup, NetworkRef, NetworkSource } from "../resolve/index.js";
import { overLimit } from "../limits/input-limits.js";
import type { ApiGate } from "./api-gate.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { liveGet } from "./live-get.js";
import { NAD_GROUP, NAD_PLURAL, NAD_VERSION } from "./nad-api.js";
import { createNegativeCache } from "./negative-cache.js";
import type { SyncedInformer } from "./synced-informer.js";
import { type TrimmedNad, trimNad } from "./trim-object.js";

export interface KubeNetworkSourceDeps {
  /** One informer per watched namespace, or one under "" for all namespaces. */
  readonly informers: ReadonlyMap<string, SyncedInformer<TrimmedNad>>;
  readonly client: KubeClient;
  readonly gate: ApiGate;
  readonly confDirSource: NetworkSource;
  /** Which definitions without spec.config may use the conf dir; all when absent. */
  readonly confDirFallback?: ConfDirFallback;
  /** limits.maxNetworkConfigBytes: a larger spec.config is not kept (trimNad) and its definition not used. */
  readonly maxConfigBytes?: number;
  readonly tuning: KubeTuning;
  readonly log: Logger;
}

export function createKubeNetworkSource(deps: KubeNetworkSourceDeps): NetworkSource {
  const { informers, client, confDirSource, tuning, log } = deps;
  const maxConfigBytes = deps.maxConfigBytes ?? Infinity;
  const all = informers.get("");
  const namespaces = [...informers.keys()];
  const absent = createNegativeCache(tuning.negativeLookupTtlMs);

  async function readLive(ref: NetworkRef, signal?: AbortSignal): Promise<TrimmedNad | undefined> {
    const get = () =>
      client.custom.getNamespacedCustomObject(
        { group: NAD_GROUP, version: NAD_VERSION, namespace: ref.namespace, plural: NAD_PLURAL, name: ref.name },
        client.callOptions({ signal, timeoutMs: tuning.requestTimeoutMs }),
      );
    const obj = await liveGet(deps, `NetworkAttachmentDefinition ${ref.namespace}/${ref.name}`, get, signal);
    return obj === undefined ? undefined : trimNad(obj, { maxConfigBytes });
  }

  return {
    description: `Kubernetes NetworkAttachmentDefinitions (${all ? "all namespaces" : `namespaces ${namespaces.join(", ")}`})`,
    ready: () => [...informers.values()].every((i) => i.synced()),
    async lookup(ref, opts = {}): Promise<NetworkLookup> {
      const what = `NetworkAttachmentDefinition ${ref.namespace}/${ref.name}`;
      const informer = all ?? informers.get(ref.namespace);
      if (!informer) {
        return {
          tried: [
            `${what}: namespace ${ref.namespace} is not watched (kubernetes.namespaces: ${namespaces.join(", ")})`,
          ],
        };
      }
      let nad = informer.get(ref.namespace, ref.name);
      let liveAnswer = "live GET: 404 Not Found";
      if (!nad) {
        const key = `${ref.namespace}/${ref.name}`;
        const epoch = informer.synced() ? informer.syncEpoch() : undefined;
        const age = absent.age(key, epoch);
        if (age !== undefined) {
          liveAnswer = `live GET: 404 Not Found ${Math.round(age / 1000)} s ago, not created since`;
        } else {
          nad = await readLive(ref, opts.signal);
          if (nad) log.info({ network: key }, "definition not in the informer cache yet; found by a live GET");
          else if (epoch !== undefined) absent.remember(key, epoch);
        }
      }
      if (!nad) {
        const nearby = informer.list(ref.namespace).map((n) => n.metadata.name);
        const holds =
          nearby.length === 0
            ? "it holds none"
            : `it holds ${nearby.slice(0, 10).join(", ")}${nearby.length > 10 ? ", ..." : ""}`;
        return { tried: [`${what} (informer cache: namespace ${ref.namespace}, ${holds})`, `${what} (${liveAnswer})`] };
      }
      const record = nadRecordFromObject(nad);
      if (!("name" in record)) {
        return { tried: [`${what}: unusable object, ${record.problem}`] };
      }
      const dropped = nad.spec?.droppedConfigBytes;
      const usable =
        dropped === undefined
          ? record
          : {
              ...record,
              problem: overLimit(`spec.config is ${dropped} bytes`, "maxNetworkConfigBytes", maxConfigBytes),
            };
      return nadToDefinition(usable, confDirSource, { ...opts, fallback: deps.confDirFallback });
    },
  };
}
