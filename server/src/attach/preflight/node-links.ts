// The node's links, as the preflight checks see them: a small seam so the checks stay pure
// and tests can state a node. The real one reads /sys/class/net of the daemon's own netns,
// which is the host's (the DaemonSet runs with hostNetwork): one readdir, plus one small read
// per link a config names, whatever the number of pod veths on the node.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface NodeLinks {
  /** Names of every link of the host netns. */
  names(): Promise<readonly string[]>;
  /** "bridge", "vlan", "macvlan"…, "device" for a link whose driver names no type (a NIC); undefined when absent. */
  kind(name: string): Promise<string | undefined>;
}

/** What the checks know of the node: every link name, and the kind of each link a config names. */
export interface NodeView {
  readonly names: readonly string[];
  readonly kinds: ReadonlyMap<string, string | undefined>;
}

export function createSysfsNodeLinks(root = "/sys/class/net"): NodeLinks {
  return {
    names: async () => (await readdir(root)).sort(),
    async kind(name) {
      // A name with a path separator names no link (and must not escape root).
      if (name === "" || name.includes("/") || name === "." || name === "..") return undefined;
      try {
        const uevent = await readFile(join(root, name, "uevent"), "utf8");
        return /^DEVTYPE=(.+)$/m.exec(uevent)?.[1] ?? "device";
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
  };
}

export async function viewNode(links: NodeLinks, wanted: Iterable<string>): Promise<NodeView> {
  const unique = [...new Set(wanted)];
  const [names, kinds] = await Promise.all([links.names(), Promise.all(unique.map(async (n) => [n, await links.kind(n)] as const))]);
  return { names, kinds: new Map(kinds) };
}
