// Named network namespaces for root e2e tests (`ip netns add`), unique per test, with typed
// readers of what is inside them. Plugins run in the host netns and are pointed at `path`.
import { randomBytes } from "node:crypto";
import { ipJson, tcQdiscs, type IpAddr, type IpLink, type IpRoute, type IpRule, type TcQdisc } from "./ip-json.js";
import { runCmd, tryCmd } from "./run-cmd.js";

export type { IpAddr, IpLink, IpRoute, IpRule, TcQdisc } from "./ip-json.js";

export const NETNS_DIR = "/var/run/netns";

/** `prefix` + random hex, at most `max` chars (15 is the kernel's interface name limit). */
export function uniqueName(prefix: string, max = 15): string {
  const room = max - prefix.length;
  if (room < 4) throw new Error(`prefix "${prefix}" leaves no room for a random suffix within ${max} chars`);
  return prefix + randomBytes(8).toString("hex").slice(0, room);
}

export interface Netns {
  readonly name: string;
  /** The path plugins get as CNI_NETNS. */
  readonly path: string;
  links(): Promise<IpLink[]>;
  link(ifname: string): Promise<IpLink | undefined>;
  addrs(): Promise<IpAddr[]>;
  addr(ifname: string): Promise<IpAddr | undefined>;
  /** Routes of `table` (default main), IPv4 unless family 6. */
  routes(opts?: { table?: string; family?: 4 | 6 }): Promise<IpRoute[]>;
  rules(): Promise<IpRule[]>;
  qdiscs(dev?: string): Promise<TcQdisc[]>;
  /** `ip netns exec NAME cmd...` (for sysctl reads and kernel probes). */
  exec(file: string, args: readonly string[]): Promise<string>;
  /** Deletes the namespace; idempotent. */
  delete(): Promise<void>;
}

/** Create a fresh named netns "<prefix><random>". */
export async function createNetns(prefix: string): Promise<Netns> {
  const name = uniqueName(prefix, 40);
  await runCmd("ip", ["netns", "add", name]);
  return netnsHandle(name);
}

/** A handle on an existing named netns. */
export function netnsHandle(name: string): Netns {
  return {
    name,
    path: `${NETNS_DIR}/${name}`,
    links: () => ipJson<IpLink[]>(name, ["link", "show"]),
    link: async (ifname) => (await ipJson<IpLink[]>(name, ["link", "show"])).find((l) => l.ifname === ifname),
    addrs: () => ipJson<IpAddr[]>(name, ["addr", "show"]),
    addr: async (ifname) => (await ipJson<IpAddr[]>(name, ["addr", "show"])).find((l) => l.ifname === ifname),
    routes: (opts = {}) =>
      ipJson<IpRoute[]>(name, [opts.family === 6 ? "-6" : "-4", "route", "show", "table", opts.table ?? "main"]),
    rules: () => ipJson<IpRule[]>(name, ["rule", "show"]),
    qdiscs: (dev) => tcQdiscs(name, dev),
    exec: async (file, args) => (await runCmd("ip", ["netns", "exec", name, file, ...args])).stdout,
    delete: async () => {
      await tryCmd("ip", ["netns", "delete", name]);
    },
  };
}

/** Interface names in the netns other than `lo` (what a plugin left behind). */
export async function nonLoopbackLinks(ns: Netns): Promise<string[]> {
  return (await ns.links()).filter((l) => l.ifname !== "lo").map((l) => l.ifname);
}
