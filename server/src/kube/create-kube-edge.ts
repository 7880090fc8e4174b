// Composition of the edge: one client, an informer for this node's pods and one (or one
// per allowed namespace) for NetworkAttachmentDefinitions, the three contracts on top, the
// recorder of Kubernetes Events on pods (unless turned off), and one gate that spaces out live
// requests while the API server fails (reopened by any success).
import type { Logger } from "pino";
import { createConfDirSource } from "../resolve/index.js";
import { createApiGate } from "./api-gate.js";
import { createKubeClient, loadKubeConfig } from "./kube-client.js";
import { createKubeEventRecorder } from "./kube-event-recorder.js";
import type { KubeEdge, KubeEdgeConfig, KubeEdgeDeps } from "./kube-edge.js";
import { createKubeNetworkSource } from "./kube-network-source.js";
import { createKubePodSource, podInfoFromObject } from "./kube-pod-source.js";
import { createKubeStatusWriter } from "./kube-status-writer.js";
import { kubeTuning } from "./kube-tuning.js";
import { NAD_GROUP, NAD_PLURAL, NAD_VERSION, nadCollectionPath } from "./nad-api.js";
import { createSyncedInformer, type SyncedInformer } from "./synced-informer.js";
import { type TrimmedNad, type TrimmedPod, trimNad, trimPod } from "./trim-object.js";

export function createKubeEdge(config: KubeEdgeConfig, log: Logger, deps: KubeEdgeDeps = {}): KubeEdge {
  const tuning = kubeTuning(config.tuning);
  const client = createKubeClient(loadKubeConfig(config));
  const backoff = { minMs: tuning.backoffMinMs, maxMs: tuning.backoffMaxMs };
  const gate = createApiGate(backoff);
  const common = {
    kubeConfig: client.kubeConfig,
    log,
    backoff,
    watchTimeoutSeconds: tuning.watchTimeoutSeconds,
    pageSize: tuning.listPageSize,
    onSync: () => gate.succeeded(),
  };
  const listOptions = () => client.callOptions({ timeoutMs: tuning.listTimeoutMs });

  // Only this node's pods: the field selector keeps the cache at ~110 pods, not the cluster.
  const fieldSelector = `spec.nodeName=${config.nodeName}`;
  const pods: SyncedInformer<TrimmedPod> = createSyncedInformer<TrimmedPod>({
    ...common,
    name: `pods on node ${config.nodeName}`,
    path: "/api/v1/pods",
    fieldSelector,
    list: ({ limit, continueToken }) =>
      client.core.listPodForAllNamespaces({ fieldSelector, limit, _continue: continueToken }, listOptions()),
    trim: trimPod,
  });

  const maxConfigBytes = config.maxNetworkConfigBytes ?? Infinity;
  const trimDefinition = (obj: unknown) => trimNad(obj, { maxConfigBytes });
  const nadNamespaces = config.namespaces.length === 0 ? [""] : [...new Set(config.namespaces)];
  const nads = new Map<string, SyncedInformer<TrimmedNad>>(
    nadNamespaces.map((namespace) => [
      namespace,
      createSyncedInformer<TrimmedNad>({
        ...common,
        name: `NetworkAttachmentDefinitions in ${namespace === "" ? "all namespaces" : `namespace ${namespace}`}`,
        path: nadCollectionPath(namespace),
        list: ({ limit, continueToken }) => {
          const page = { group: NAD_GROUP, version: NAD_VERSION, plural: NAD_PLURAL, limit, _continue: continueToken };
          return namespace === ""
            ? client.custom.listClusterCustomObject(page, listOptions())
            : client.custom.listNamespacedCustomObject({ ...page, namespace }, listOptions());
        },
        trim: trimDefinition,
      }),
    ]),
  );
  const informers = [pods, ...nads.values()];
  const labelled = [
    { resource: "pods", namespace: "", informer: pods },
    ...[...nads].map(([namespace, informer]) => ({ resource: NAD_PLURAL, namespace, informer })),
  ];

  const podEvents =
    config.events === false
      ? undefined
      : createKubeEventRecorder({
          client,
          pods,
          gate,
          tuning,
          nodeName: config.nodeName,
          log: log.child({ component: "kube-events" }),
        });

  return {
    ...(podEvents ? { podEvents } : {}),
    podSource: createKubePodSource({ informer: pods, client, gate, tuning, log }),
    networkSource: createKubeNetworkSource({
      informers: nads,
      client,
      gate,
      confDirSource: deps.confDirSource ?? createConfDirSource(config.confDir),
      confDirFallback: config.confDirFallback,
      maxConfigBytes,
      tuning,
      log,
    }),
    statusWriter: createKubeStatusWriter({ client, pods, gate, tuning, policy: config.statusFailurePolicy, log }),
    onPodChange: (handler) => pods.onChange((pod, change) => handler(podInfoFromObject(pod), change)),
    ready: () => informers.every((i) => i.synced()),
    notReadyReasons: () => informers.flatMap((i) => i.problem() ?? []),
    informerStats: () =>
      labelled.map(({ resource, namespace, informer }) => ({
        resource,
        namespace,
        synced: informer.synced(),
        watchRestarts: informer.watchRestarts(),
      })),
    async start() {
      await Promise.all(informers.map((i) => i.start()));
    },
    async stop() {
      podEvents?.stop();
      await Promise.all(informers.map((i) => i.stop()));
      client.close();
    },
  };
}
