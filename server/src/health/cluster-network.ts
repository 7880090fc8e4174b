// The cluster network's config as the resolver currently sees it, for CNI STATUS.
// Refreshed before each status check so definition changes are picked up.
import { parseNetworkConfigList, type NetworkConfigList } from "../cni/index.js";
import type { NetworkResolver } from "../resolve/index.js";

export interface ClusterNetworkTracker {
  current(): NetworkConfigList | undefined;
  /** Why there is no current config (resolution failed), if so. */
  problem(): string | undefined;
  refresh(signal?: AbortSignal): Promise<void>;
}

export function createClusterNetworkTracker(resolver: NetworkResolver): ClusterNetworkTracker {
  let list: NetworkConfigList | undefined;
  let problem: string | undefined;
  return {
    current: () => list,
    problem: () => problem,
    async refresh(signal) {
      try {
        const cluster = await resolver.resolveClusterNetwork(signal ? { signal } : {});
        const source =
          cluster.definition.origin.kind === "conf-file" ? cluster.definition.origin.path : cluster.network;
        list = parseNetworkConfigList(cluster.definition.config, source);
        problem = undefined;
      } catch (err) {
        list = undefined;
        problem = `cluster network cannot be resolved: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
  };
}
