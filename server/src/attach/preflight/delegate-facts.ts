// What a delegate's config says about the node and the pod's routing, read without running
// anything: default routes per family, IPAM subnets, and fields that name node links. Only
// the plugins Debian ships are understood; anything else is marked unreadable. Pure.
import type { JsonObject, NetworkConfigList, PluginConf } from "../../cni/index.js";
import type { PlannedDelegate } from "../attachment-plan.js";
import { delegateList } from "../delegate-invocation.js";
import { describeOrigin } from "../origin.js";
import { parsePrefix, type IpFamily, type IpPrefix } from "./ip-prefix.js";

/** A config key and its value, named as in the delegate's config list (`plugins[0].ipam.routes[1].dst`). */
export interface ConfigKey {
  readonly key: string;
  readonly value: string;
  readonly plugin: string;
}

export interface DefaultRouteSource extends ConfigKey {
  readonly family: IpFamily;
}

export interface IpamSubnet extends ConfigKey {
  readonly prefix: IpPrefix;
}

/** An address a config pins that must lie inside `subnet` (range bounds, gateways). */
export interface PinnedAddress extends ConfigKey {
  readonly subnet: IpamSubnet;
}

export interface NodeLinkField extends ConfigKey {
  /** "link": must exist on the node; "bridge": may be absent (the plugin creates it) but, if present, must be a bridge. */
  readonly wants: "link" | "bridge";
}

export interface DelegateFacts {
  readonly delegate: PlannedDelegate;
  readonly list: NetworkConfigList;
  readonly source: string;
  /** Default routes the config installs in the pod's main table. */
  readonly defaultRoutes: readonly DefaultRouteSource[];
  /** The plugin whose routes cannot be read from its config (unknown plugin, DHCP IPAM); its result is checked after ADD. */
  readonly routesUnreadableBy?: string;
  readonly subnets: readonly IpamSubnet[];
  readonly pinned: readonly PinnedAddress[];
  readonly nodeLinks: readonly NodeLinkField[];
  /** The delegate's interface routes live in their own table (vrf, sbr): its subnets and default routes do not compete. */
  readonly ownTable: boolean;
}

/** Interface plugins Debian ships and the field naming a node link each reads (with its default). */
const INTERFACE_PLUGINS: Readonly<
  Record<string, { readonly field?: string; readonly wants?: NodeLinkField["wants"]; readonly fallback?: string }>
> = {
  bridge: { field: "bridge", wants: "bridge", fallback: "cni0" },
  macvlan: { field: "master", wants: "link" },
  ipvlan: { field: "master", wants: "link" },
  vlan: { field: "master", wants: "link" },
  "host-device": { field: "device", wants: "link" },
  ptp: {},
  loopback: {},
};
/** Chained plugins that add no route of their own. */
const META_PLUGINS = new Set(["portmap", "tuning", "bandwidth", "firewall"]);
/** Chained plugins that move the interface's routes out of the main table. */
const OWN_TABLE_PLUGINS = new Set(["vrf", "sbr"]);

export function readDelegateFacts(delegate: PlannedDelegate): DelegateFacts {
  const list = delegateList(delegate, "preflight");
  const facts = {
    defaultRoutes: [] as DefaultRouteSource[],
    subnets: [] as IpamSubnet[],
    pinned: [] as PinnedAddress[],
    nodeLinks: [] as NodeLinkField[],
  };
  let routesUnreadableBy: string | undefined;
  let ownTable = false;
  list.plugins.forEach((plugin, i) => {
    // Keys as in the delegate config ResolveNetworks prints, where a single conf is a one-plugin list.
    const at = `plugins[${i}].`;
    if (META_PLUGINS.has(plugin.type)) return;
    if (OWN_TABLE_PLUGINS.has(plugin.type)) {
      ownTable = true;
      return;
    }
    const known = INTERFACE_PLUGINS[plugin.type];
    if (known === undefined) {
      routesUnreadableBy ??= plugin.type;
      return;
    }
    if (known.field !== undefined) {
      const value = plugin[known.field];
      const name = typeof value === "string" && value !== "" ? value : known.fallback;
      if (name !== undefined)
        facts.nodeLinks.push({
          key: `${at}${known.field}`,
          value: name,
          plugin: plugin.type,
          wants: known.wants ?? "link",
        });
    }
    const ipam = readIpam(plugin, at, facts);
    if (ipam === undefined) {
      routesUnreadableBy ??= String(obj(plugin["ipam"])?.["type"]);
      return;
    }
    // bridge adds a default route via its gateway for each family it got an address in.
    if (plugin.type === "bridge" && plugin["isDefaultGateway"] === true) {
      for (const family of new Set(ipam.map((s) => s.prefix.family))) {
        facts.defaultRoutes.push({ key: `${at}isDefaultGateway`, value: "true", plugin: plugin.type, family });
      }
    }
  });
  return {
    delegate,
    list,
    source: describeOrigin(delegate.origin),
    ownTable,
    ...(routesUnreadableBy !== undefined ? { routesUnreadableBy } : {}),
    ...facts,
  };
}

type Collected = { defaultRoutes: DefaultRouteSource[]; subnets: IpamSubnet[]; pinned: PinnedAddress[] };

/** The subnets of host-local and static IPAM; undefined for other IPAM types (DHCP learns its routes at run time). */
function readIpam(plugin: PluginConf, at: string, out: Collected): IpamSubnet[] | undefined {
  const ipam = obj(plugin["ipam"]);
  if (ipam === undefined || ipam["type"] === undefined) return [];
  const before = out.subnets.length;
  const type = ipam["type"];
  const key = `${at}ipam.`;
  const owner = (k: string, value: string): ConfigKey => ({ key: `${key}${k}`, value, plugin: String(type) });
  if (type === "host-local") {
    const ranges = Array.isArray(ipam["ranges"]) ? ipam["ranges"] : [];
    ranges.forEach((set, s) =>
      (Array.isArray(set) ? set : []).forEach((r, j) => readRange(obj(r), `ranges[${s}][${j}].`, owner, out)),
    );
    if (typeof ipam["subnet"] === "string") readRange(ipam, "", owner, out);
  } else if (type === "static") {
    (Array.isArray(ipam["addresses"]) ? ipam["addresses"] : []).forEach((a, j) => {
      const address = obj(a);
      if (typeof address?.["address"] !== "string") return;
      const subnet = subnetOf(owner(`addresses[${j}].address`, address["address"]));
      if (subnet === undefined) return;
      out.subnets.push(subnet);
      pin(address, "gateway", `addresses[${j}].`, subnet, owner, out);
    });
  } else {
    return undefined;
  }
  (Array.isArray(ipam["routes"]) ? ipam["routes"] : []).forEach((r, j) => {
    const dst = obj(r)?.["dst"];
    const prefix = typeof dst === "string" ? parsePrefix(dst) : undefined;
    if (prefix !== undefined && prefix.length === 0)
      out.defaultRoutes.push({ ...owner(`routes[${j}].dst`, dst as string), family: prefix.family });
  });
  return out.subnets.slice(before);
}

function readRange(
  range: JsonObject | undefined,
  at: string,
  owner: (k: string, v: string) => ConfigKey,
  out: Collected,
): void {
  if (typeof range?.["subnet"] !== "string") return;
  const subnet = subnetOf(owner(`${at}subnet`, range["subnet"]));
  if (subnet === undefined) return;
  out.subnets.push(subnet);
  for (const field of ["rangeStart", "rangeEnd", "gateway"]) pin(range, field, at, subnet, owner, out);
}

function pin(
  o: JsonObject,
  field: string,
  at: string,
  subnet: IpamSubnet,
  owner: (k: string, v: string) => ConfigKey,
  out: Collected,
): void {
  const value = o[field];
  if (typeof value === "string" && value !== "") out.pinned.push({ ...owner(`${at}${field}`, value), subnet });
}

function subnetOf(k: ConfigKey): IpamSubnet | undefined {
  const prefix = parsePrefix(k.value);
  return prefix === undefined ? undefined : { ...k, prefix };
}

function obj(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
}
