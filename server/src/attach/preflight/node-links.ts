// The node's links, as the preflight checks see them: a small seam so the checks stay pure
// and tests can state a node. The real one reads /sys/class/net of the daemon's own netns,
// which is the host's (the DaemonSet runs with hostNetwork): one readdir, plus one small read
// per link a config names, whatever the number of pod veths on the node. What the node's
// links carry (addresses, default routes) and a deviceID's links are read only when a plan has
// per-pod options that could take them.
import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeviceId } from "../../resolve/index.js";
import type { RunCommand } from "../../netns/route-editor.js";
import { readNodeAddressing, type NodeAddressing } from "./node-addressing.js";
import { nodeUnreadable } from "./node-unreadable.js";

export interface NodeLinks {
  /** Names of every link of the host netns. */
  names(): Promise<readonly string[]>;
  /** "bridge", "vlan", "macvlan"… (the kernel's DEVTYPE), else "device" (a NIC) or "virtual" (veth, dummy…); undefined when absent. */
  kind(name: string): Promise<string | undefined>;
  /** Each link's addresses, master and lower link, and the default routes' links. */
  addressing(signal?: AbortSignal): Promise<NodeAddressing>;
  /** The net interfaces of a deviceID: a PCI device's or an auxiliary device's; [] when it has none or is absent. */
  deviceLinks(id: string): Promise<readonly string[]>;
}

/** What the checks know of the node: every link name, and the kind of each link a config names. */
export interface NodeView {
  readonly names: readonly string[];
  readonly kinds: ReadonlyMap<string, string | undefined>;
}

/** What the node's own networking uses, for a pod's deviceID and ips. */
export interface NodeUseView {
  readonly addressing: NodeAddressing;
  /** Each deviceID's net interfaces. */
  readonly deviceLinks: ReadonlyMap<string, readonly string[]>;
}

/** Where host-device looks a deviceID up (`<dir>/<id>/net/`): PCI addresses, then auxiliary devices. */
const DEVICE_DIRS = ["/sys/bus/pci/devices", "/sys/bus/auxiliary/devices"];

export function createSysfsNodeLinks(
  root = "/sys/class/net",
  opts: { readonly deviceDirs?: readonly string[]; readonly run?: RunCommand } = {},
): NodeLinks {
  return {
    addressing: (signal) => readNodeAddressing(opts.run, signal),
    async deviceLinks(id) {
      // Only what the deviceID rule lets through is joined to a path.
      if (!isDeviceId(id)) return [];
      const found = await Promise.all((opts.deviceDirs ?? DEVICE_DIRS).map((dir) => entries(join(dir, id, "net"))));
      return [...new Set(found.flat())].sort();
    },
    names: async () => (await entries(root, { absent: "unreadable" })).sort(),
    async kind(name) {
      // A name with a path separator names no link (and must not escape root).
      if (name === "" || name.includes("/") || name === "." || name === "..") return undefined;
      let uevent: string;
      try {
        uevent = await readFile(join(root, name, "uevent"), "utf8");
      } catch (err) {
        if (isAbsence(err)) return undefined;
        throw nodeUnreadable(join(root, name, "uevent"), err);
      }
      const devtype = /^DEVTYPE=(.+)$/m.exec(uevent)?.[1];
      if (devtype !== undefined) return devtype;
      // No DEVTYPE: a NIC has a parent device; veth, ifb, dummy… have none.
      return (await exists(join(root, name, "device"))) ? "device" : "virtual";
    },
  };
}

/** `dir`'s entries; [] when it is absent, unless an absent one is the node's condition too. */
async function entries(dir: string, opts: { absent?: "empty" | "unreadable" } = {}): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isAbsence(err) && opts.absent !== "unreadable") return [];
    throw nodeUnreadable(dir, err);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if (isAbsence(err)) return false;
    throw nodeUnreadable(path, err);
  }
}

/** Only a missing path (or a file where a directory should be) is "absent"; EACCES, ELOOP… are errors, naming the path. */
function isAbsence(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export async function viewNode(links: NodeLinks, wanted: Iterable<string>): Promise<NodeView> {
  const unique = [...new Set(wanted)];
  const [names, kinds] = await Promise.all([
    links.names(),
    Promise.all(unique.map(async (n) => [n, await links.kind(n)] as const)),
  ]);
  return { names, kinds: new Map(kinds) };
}

export async function viewNodeUse(
  links: NodeLinks,
  deviceIds: Iterable<string>,
  signal?: AbortSignal,
): Promise<NodeUseView> {
  const unique = [...new Set(deviceIds)];
  const [addressing, devices] = await Promise.all([
    links.addressing(signal),
    Promise.all(unique.map(async (id) => [id, await links.deviceLinks(id)] as const)),
  ]);
  return { addressing, deviceLinks: new Map(devices) };
}
