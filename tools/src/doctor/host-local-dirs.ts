// Where host-local keeps the reservations of each configured network: <ipam.dataDir>/<network
// name>, the name being the CNI config's own "name" (what the plugin is given), not the
// definition's. Networks sharing a name and dataDir share the directory, so it is listed once.
import { join } from "node:path";
import { ipamTypeOf, parseNetworkConfigList } from "../../../server/src/cni/index.js";
import type { ConfiguredNetwork } from "./configured-networks.js";

/** host-local's own default (plugins/ipam/host-local/backend/disk: defaultDataDir). */
export const HOST_LOCAL_DEFAULT_DATA_DIR = "/var/lib/cni/networks";

export interface HostLocalDir {
  /** The directory holding one file per reserved address. */
  readonly dir: string;
  /** The CNI network name host-local is given. */
  readonly cniName: string;
  /** The configured networks (doctor names: "name" or "namespace/name") that reserve here. */
  readonly networks: readonly string[];
  /** A conf dir file of this network, for `netattachctl cni del`; absent for definitions. */
  readonly confFile?: string;
}

export function hostLocalDirs(networks: readonly ConfiguredNetwork[]): HostLocalDir[] {
  const byDir = new Map<string, { cniName: string; networks: string[]; confFile?: string }>();
  for (const n of networks) {
    if ("problem" in n.config) continue; // the plugins check reports it
    let list;
    try {
      list = parseNetworkConfigList(n.config, n.where);
    } catch {
      continue; // the daemon refuses it at ADD, so it reserves nothing
    }
    for (const plugin of list.plugins) {
      if (ipamTypeOf(plugin) !== "host-local") continue;
      const dataDir = (plugin["ipam"] as { dataDir?: unknown }).dataDir;
      const dir = join(
        typeof dataDir === "string" && dataDir !== "" ? dataDir : HOST_LOCAL_DEFAULT_DATA_DIR,
        list.name,
      );
      const entry = byDir.get(dir) ?? { cniName: list.name, networks: [] };
      if (!entry.networks.includes(n.name)) entry.networks.push(n.name);
      if (entry.confFile === undefined && n.confFile !== undefined) entry.confFile = n.confFile;
      byDir.set(dir, entry);
    }
  }
  return [...byDir].map(([dir, e]) => ({ dir, ...e }));
}
