// doctor's LIST of NetworkAttachmentDefinitions through netattachd's own client (kube-client.ts:
// the same kubeconfig or service account, User-Agent and TLS), each call with a deadline. Imported
// only when kubernetes.mode is not none, so @kubernetes/client-node is not loaded otherwise
// (tools/build.mjs).
import {
  createKubeClient,
  DEFAULT_KUBE_TUNING,
  describeApiFailure,
  loadKubeConfig,
  NAD_GROUP,
  NAD_PLURAL,
  NAD_VERSION,
  trimNad,
} from "../../../server/src/kube/index.js";
import type { KubeSettings, NadList } from "./api-networks.js";
import type { CallOptions } from "./daemon-checks.js";

/** One LIST may take this long (or what is left of doctor's --timeout): a hung API server is a warning, not a wait. */
const LIST_TIMEOUT_MS = 10_000;

export function openNadList(kube: KubeSettings, opts: CallOptions, env: NodeJS.ProcessEnv = process.env): NadList {
  // Outside a pod the client would ask https://undefined:undefined and say only that it failed.
  if (kube.mode === "in-cluster" && !env.KUBERNETES_SERVICE_HOST)
    throw new Error(
      "kubernetes.mode is in-cluster and KUBERNETES_SERVICE_HOST is not set (not in a pod): run doctor in netattachd's pod (kubectl exec) to read them",
    );
  const kc = loadKubeConfig(kube); // a KUBE_API_UNAVAILABLE naming the kubeconfig when it cannot be loaded
  const client = createKubeClient(kc);
  const settings =
    kube.mode === "in-cluster" ? "the in-cluster service account" : `kubeconfig ${kube.kubeconfigPath ?? ""}`;
  return {
    pageSize: DEFAULT_KUBE_TUNING.listPageSize,
    source: `${settings} (server ${kc.getCurrentCluster()?.server ?? "?"})`,
    async list(namespace, limit) {
      const timeoutMs = Math.max(1, Math.min(LIST_TIMEOUT_MS, opts.deadline.getTime() - Date.now()));
      const call = client.callOptions({ timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      const page = { group: NAD_GROUP, version: NAD_VERSION, plural: NAD_PLURAL, limit };
      try {
        const body = (await (namespace === ""
          ? client.custom.listClusterCustomObject(page, call)
          : client.custom.listNamespacedCustomObject({ ...page, namespace }, call))) as {
          items?: unknown;
          metadata?: { continue?: unknown };
        };
        // Unbounded: a definition the daemon refuses for its size may still have left reservations.
        const items = Array.isArray(body.items) ? body.items.map((item: unknown) => trimNad(item)) : [];
        const more = typeof body.metadata?.continue === "string" && body.metadata.continue !== "";
        return { items, more };
      } catch (err) {
        return { problem: describeApiFailure(err) };
      }
    },
    close: () => client.close(),
  };
}
