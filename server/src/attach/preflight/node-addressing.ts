// What of the node's own networking a link carries: its addresses, its default routes, and the
// links stacked on it or it is a port of. A pod's deviceID must not take such a link, nor its
// `ips` one of these addresses. Read with `ip -j` in the daemon's netns, the host's (hostNetwork);
// only when a plan carries such per-pod options. Interpreted purely.
import { execaRun, type RunCommand } from "../../netns/route-editor.js";
import { sameAddress } from "./ip-prefix.js";
import { nodeUnreadable } from "./node-unreadable.js";

export interface NodeLinkAddressing {
  readonly name: string;
  /** "address/prefix"; IPv6 link-local left out: every link has one, pod veths' host ends too. */
  readonly addresses: readonly string[];
  /** The bridge or bond it is a port of. */
  readonly master?: string;
  /** The link it is stacked on (vlan, macvlan) or paired with (veth). */
  readonly lower?: string;
  /** Its hardware address as the kernel writes it (lower-case, ':'), for Ethernet links. */
  readonly mac?: string;
}

export interface NodeAddressing {
  readonly links: readonly NodeLinkAddressing[];
  /** Links the main table's default routes (either family, each nexthop) go out of. */
  readonly defaultRouteLinks: readonly string[];
}

export async function readNodeAddressing(run: RunCommand = execaRun, signal?: AbortSignal): Promise<NodeAddressing> {
  const opts = signal !== undefined ? { signal } : {};
  const json = async (args: string[]): Promise<unknown[]> => {
    const command = `ip -j ${args.join(" ")}`;
    let out: string;
    try {
      out = await run("ip", ["-j", ...args], opts);
    } catch (err) {
      if (signal?.aborted === true) throw err; // the call ended, not the node
      // Not there, or failing (an old iproute2, a kernel without the family): the node's condition.
      // The runners' errors start with the command line ("ip -j … failed: <stderr>"): named once.
      const said = err instanceof Error ? err.message : String(err);
      throw nodeUnreadable(command, err, said.startsWith(`${command} `) ? said.slice(command.length + 1) : said);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(out || "[]");
    } catch (err) {
      throw nodeUnreadable(command, err, `its output is not JSON (an iproute2 without -j?): ${(err as Error).message}`);
    }
    return Array.isArray(parsed) ? parsed : [];
  };
  const [addrs, v4, v6] = await Promise.all([
    json(["addr", "show"]),
    json(["-4", "route", "show", "default"]),
    json(["-6", "route", "show", "default"]),
  ]);
  return {
    links: addrs.flatMap((l) => {
      const link = l as {
        ifname?: unknown;
        master?: unknown;
        link?: unknown;
        addr_info?: unknown;
        address?: unknown;
        link_type?: unknown;
      };
      if (typeof link.ifname !== "string") return [];
      const info = Array.isArray(link.addr_info) ? (link.addr_info as Array<Record<string, unknown>>) : [];
      const addresses = info
        .filter((a) => typeof a["local"] === "string" && a["scope"] !== "link")
        .map((a) => `${String(a["local"])}/${String(a["prefixlen"])}`);
      return [
        {
          name: link.ifname,
          addresses,
          ...(typeof link.master === "string" ? { master: link.master } : {}),
          ...(typeof link.link === "string" ? { lower: link.link } : {}),
          ...(link.link_type === "ether" && typeof link.address === "string" ? { mac: link.address } : {}),
        },
      ];
    }),
    defaultRouteLinks: [...new Set([...v4, ...v6].flatMap(routeDevices))],
  };
}

function routeDevices(route: unknown): string[] {
  const r = route as { dev?: unknown; nexthops?: unknown };
  const hops = Array.isArray(r.nexthops) ? (r.nexthops as Array<{ dev?: unknown }>) : [r];
  return hops.flatMap((h) => (typeof h.dev === "string" ? [h.dev] : []));
}

/**
 * Why `link` is part of the node's own networking ("holds the node's address …"), or undefined: it
 * holds the node's addresses or default route, or is a port of (or carries) a link that does.
 */
export function nodeUse(link: string, node: NodeAddressing, seen = new Set<string>()): string | undefined {
  if (seen.has(link)) return undefined;
  seen.add(link);
  const own = node.links.find((l) => l.name === link);
  const holds: string[] = [];
  if (own !== undefined && own.addresses.length > 0) holds.push(`the node's address ${own.addresses.join(", ")}`);
  if (node.defaultRouteLinks.includes(link)) holds.push("the node's default route");
  if (holds.length > 0) return `holds ${holds.join(" and ")}`;
  if (own?.master !== undefined) {
    const why = nodeUse(own.master, node, seen);
    if (why !== undefined) return `is a port of ${own.master}, which ${why}`;
  }
  for (const upper of node.links.filter((l) => l.lower === link)) {
    const why = nodeUse(upper.name, node, seen);
    if (why !== undefined) return `carries ${upper.name}, which ${why}`;
  }
  return undefined;
}

/** The node's link holding `ip` (its address part), with the address as the node has it; undefined when none does. */
export function nodeAddressHolder(ip: string, node: NodeAddressing): { link: string; address: string } | undefined {
  for (const l of node.links) {
    const address = l.addresses.find((a) => sameAddress(a, ip));
    if (address !== undefined) return { link: l.name, address };
  }
  return undefined;
}
