// The networks the result cache holds attachments of, rebuilt from the configs cached with them:
// what GC needs for a network no saved attachment names any more.
import type { NetworkConfigList } from "../spec/types.js";
import { parseNetworkConfigList } from "../conf/parse-network-config-list.js";
import type { RuntimeContext } from "./runtime-context.js";

export async function cachedNetworks(ctx: RuntimeContext): Promise<NetworkConfigList[]> {
  const byName = new Map<string, NetworkConfigList>();
  for (const entry of await ctx.cache.listAll()) {
    if (entry.status !== "found" || byName.has(entry.record.networkName)) continue;
    try {
      const list = parseNetworkConfigList(entry.record.config, entry.path);
      if (list.name === entry.record.networkName) byName.set(list.name, list);
    } catch {
      // A config that no longer parses cannot be run; GC reports nothing it cannot act on.
    }
  }
  return [...byName.values()];
}
