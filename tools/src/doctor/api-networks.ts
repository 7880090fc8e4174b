// NetworkAttachmentDefinitions that live only in the Kubernetes API, for the check that must see
// every network netattachd may run (host-local data dirs). Read as the daemon reads them: its own
// client and kubeconfig (kube-nad-list.ts), the same object checks and resolution (spec.config,
// else the conf dir file, under confDirFallback), one bounded LIST per namespace it watches (all
// namespaces when kubernetes.namespaces is empty). An API that cannot be reached is a line saying
// so, never a failure: the node's own checks still run.
import type { DaemonConfig } from "../../../server/src/config/index.js";
import {
  createConfDirSource,
  describeNad,
  nadRecordFromObject,
  nadToDefinition,
} from "../../../server/src/resolve/index.js";
import { resolvedConfig, type ConfiguredNetwork } from "./configured-networks.js";

/** The cluster's client, as kubernetes.mode and kubeconfigPath say. */
export interface KubeSettings {
  readonly mode: "kubeconfig" | "in-cluster";
  readonly kubeconfigPath?: string;
}

export interface NadList {
  /** Definitions read per namespace: one LIST page of the informers' own size. */
  readonly pageSize: number;
  /** Where the client settings came from and the server asked, for messages. */
  readonly source: string;
  /** One page of at most `limit` objects, `more` when the API holds more; or why it could not be read. */
  list(
    namespace: string,
    limit: number,
  ): Promise<{ readonly items: readonly unknown[]; readonly more: boolean } | { readonly problem: string }>;
  close(): void;
}

/** Throws (naming the kubeconfig or service account) when the client settings cannot be loaded. */
export type OpenNadList = (kube: KubeSettings) => Promise<NadList>;

export interface ApiNetworks {
  readonly networks: ConfiguredNetwork[];
  /** What could not be read, one line each. */
  readonly notRead: string[];
}

export async function apiNetworks(
  config: Pick<DaemonConfig, "kubernetes" | "cniConfDir" | "confDirFallback" | "defaultNamespace">,
  open: OpenNadList,
): Promise<ApiNetworks> {
  const { mode, kubeconfigPath, namespaces } = config.kubernetes;
  if (mode === "none") return { networks: [], notRead: [] };
  const unread = "networks defined only in the Kubernetes API were not scanned";
  let api: NadList;
  try {
    api = await open({ mode, ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}) });
  } catch (err) {
    return { networks: [], notRead: [`${unread}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const maxDefinitions = api.pageSize;
  const networks: ConfiguredNetwork[] = [];
  const notRead: string[] = [];
  const confDir = createConfDirSource(config.cniConfDir);
  const fallback = { rule: config.confDirFallback, defaultNamespace: config.defaultNamespace };
  try {
    for (const namespace of namespaces.length === 0 ? [""] : [...new Set(namespaces)]) {
      const place = namespace === "" ? "all namespaces" : `namespace ${namespace}`;
      const page = await api.list(namespace, maxDefinitions);
      if ("problem" in page) {
        notRead.push(`${unread} (${place}): cannot list them with ${api.source}: ${page.problem}`);
        continue;
      }
      if (page.more)
        notRead.push(
          `more than ${maxDefinitions} NetworkAttachmentDefinitions in ${place}: only the first ${maxDefinitions} were scanned`,
        );
      for (const obj of page.items) {
        const record = nadRecordFromObject(obj);
        if (!("name" in record)) continue; // no name to look it up by: no pod runs it, nothing reserves for it
        networks.push({
          name: `${record.namespace}/${record.name}`,
          where: `${describeNad(record)} in the Kubernetes API`,
          config: await resolvedConfig(() => nadToDefinition(record, confDir, { fallback })),
        });
      }
    }
  } finally {
    api.close();
  }
  return { networks, notRead };
}
