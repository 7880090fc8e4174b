// Host-side state that plugins touch: links (bridges, veth ends, ifb), iptables rules,
// tc qdiscs, and host-local's reservation files. Plugins run in the host netns.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { ipJson, tcQdiscs, type IpAddr, type IpLink, type TcQdisc } from "./ip-json.js";
import { runCmd, tryCmd } from "./run-cmd.js";

export function hostLinks(): Promise<IpLink[]> {
  return ipJson<IpLink[]>(undefined, ["link", "show"]);
}

export async function hostLink(name: string): Promise<IpLink | undefined> {
  return (await hostLinks()).find((l) => l.ifname === name);
}

export async function hostAddr(name: string): Promise<IpAddr | undefined> {
  return (await ipJson<IpAddr[]>(undefined, ["addr", "show"])).find((l) => l.ifname === name);
}

/** Host links enslaved to `master` (e.g. veth ends on a bridge). */
export async function hostLinksWithMaster(master: string): Promise<IpLink[]> {
  return (await hostLinks()).filter((l) => l.master === master);
}

export function hostQdiscs(dev?: string): Promise<TcQdisc[]> {
  return tcQdiscs(undefined, dev);
}

/** A bridge on the host, up (macvlan master, bridge plugin target). */
export async function createHostBridge(name: string): Promise<void> {
  await runCmd("ip", ["link", "add", name, "type", "bridge"]);
  await runCmd("ip", ["link", "set", name, "up"]);
}

/** A veth pair on the host (host-device moves one end into a netns). */
export async function createHostVeth(name: string, peer: string): Promise<void> {
  await runCmd("ip", ["link", "add", name, "type", "veth", "peer", "name", peer]);
}

/** Best-effort delete of host links (cleanup); missing links are fine. */
export async function deleteHostLinks(...names: string[]): Promise<void> {
  for (const name of names) await tryCmd("ip", ["link", "delete", name]);
}

/** `iptables-save [-t table]` text, for asserting rules that mention a container IP or id. */
export async function iptablesSave(table?: string): Promise<string> {
  return (await runCmd("iptables-save", table === undefined ? [] : ["-t", table])).stdout;
}

/**
 * Cleanup after a failed test: removes the nat rules whose text mentions `marker` (a container id
 * in a plugin's rule comment) and the CNI-* chains they jump to. iptables-restore parses the
 * quoting of iptables-save's own lines.
 */
export async function deleteNatRulesMentioning(marker: string): Promise<void> {
  const rules = (await iptablesSave("nat")).split("\n").filter((l) => l.startsWith("-A ") && l.includes(marker));
  if (rules.length === 0) return;
  const chains = new Set(rules.flatMap((l) => /-j (CNI-\S+)/.exec(l)?.[1] ?? []));
  const jumps = rules.filter((l) => chains.has(/-j (\S+)/.exec(l)?.[1] ?? ""));
  const deletes = [...jumps, ...rules.filter((l) => !jumps.includes(l))].map((l) => `-D${l.slice(2)}`);
  // A chain's own rules need not mention the marker (portmap's CNI-DN-*): flushed before it is deleted.
  const drops = [...chains].flatMap((c) => [`-F ${c}`, `-X ${c}`]);
  const input = ["*nat", ...deletes, ...drops, "COMMIT", ""].join("\n");
  await runCmd("iptables-restore", ["--noflush"], { input });
}

/** Files below `dir`, as sorted paths relative to it; none when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return found
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** host-local's per-network bookkeeping (`lock`, `last_reserved_ip.N`), kept after the last release. */
export function isIpamBookkeeping(file: string): boolean {
  return /(^|\/)(lock|last_reserved_ip\.\d+)$/.test(file);
}

/**
 * host-local reservations in `dataDir/<network>`: the files named after an IP (one per
 * allocation). `lock` and `last_reserved_ip.*` are bookkeeping, not reservations.
 */
export async function ipamReservations(dataDir: string, network: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(dataDir, network));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names.filter((n) => !isIpamBookkeeping(n)).sort();
}

/** The content of a reservation file: "<containerID>\n<ifname>" in host-local ≥0.9. */
export async function ipamReservationOwner(dataDir: string, network: string, ip: string): Promise<string> {
  return readFile(join(dataDir, network, ip), "utf8");
}
