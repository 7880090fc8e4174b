// The node's links, as the preflight checks see them: a small seam so the checks stay pure
// and tests can state a node. The real one reads /sys/class/net of the daemon's own netns,
// which is the host's (the DaemonSet runs with hostNetwork): one readdir, plus one small read
// per link a config names, whatever the number of pod veths on the node.
import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface NodeLinks {
  /** Names of every link of the host netns. */
  names(): Promise<readonly string[]>;
  /** "bridge", "vlan", "macvlan"… (the kernel's DEVTYPE), else "device" (a NIC) or "virtual" (veth, dummy…); undefined when absent. */
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
      let uevent: string;
      try {
        uevent = await readFile(join(root, name, "uevent"), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      const devtype = /^DEVTYPE=(.+)$/m.exec(uevent)?.[1];
      if (devtype !== undefined) return devtype;
      // No DEVTYPE: a NIC has a parent device; veth, ifb, dummy… have none.
      return (await exists(join(root, name, "device"))) ? "device" : "virtual";
    },
  };
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function viewNode(links: NodeLinks, wanted: Iterable<string>): Promise<NodeView> {
  const unique = [...new Set(wanted)];
  const [names, kinds] = await Promise.all([
    links.names(),
    Promise.all(unique.map(async (n) => [n, await links.kind(n)] as const)),
  ]);
  return { names, kinds: new Map(kinds) };
}
