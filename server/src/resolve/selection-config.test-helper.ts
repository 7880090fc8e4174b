// The SelectionConfig the resolver tests start from: network "cluster-net" as the cluster network,
// kube-system the system namespace, "default" global, no namespace isolation.
import type { SelectionConfig } from "./types.js";

export const BASE_SELECTION: SelectionConfig = {
  clusterNetwork: "cluster-net",
  defaultNetworks: [],
  systemNamespaces: ["kube-system"],
  namespaceIsolation: false,
  globalNamespaces: ["default"],
  defaultNamespace: "kube-system",
};
