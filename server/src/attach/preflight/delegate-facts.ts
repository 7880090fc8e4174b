// What a delegate's config says about the node and the pod's routing, read without running
// anything: default routes per family, IPAM subnets, and fields that name node links. Only
// the plugins Debian ships are understood; anything else is marked unreadable. Pure.
import { ipFamily, type JsonObject, type NetworkConfigList, type PluginConf } from "../../cni/index.js";
import type { PlannedDelegate } from "../attachment-plan.js";
import { delegateList } from "../delegate-invocation.js";
import { describeOrigin } from "../origin.js";
import { parsePrefix, prefixesOverlap, type IpFamily, type IpPrefix } from "./ip-prefix.js";

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

/**
 * An IPAM key the plugin cannot decode: its ADD fails, and so does every DEL of the same config,
 * which would leave an orphan no retry can release. `problem` reads after the key.
 */
export interface MalformedKey {
  readonly key: string;
  readonly plugin: string;
  readonly problem: string;
  /** The value as written; absent for a key that is missing. */
  readonly value?: unknown;
}

export interface NodeLinkField extends ConfigKey {
  /** "link": must exist on the node; "bridge": may be absent (the plugin creates it) but, if present, must be a bridge. */
  readonly wants: "link" | "bridge";
}

/**
 * A config key naming a device of the node that the plugin takes for the pod: host-device moves it
 * into the pod (named by its `device`, `pciBusID` or `hwaddr`: by link name, PCI address or MAC);
 * a passthru macvlan gets all of its `master`'s traffic, which the node's own use of it then misses
 * (seen with macvlan 1.1.1).
 */
export interface TakenDevice extends ConfigKey {
  readonly by: "link" | "device" | "mac";
  readonly effect: "move" | "passthru";
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
  /** Gateways the IPAM names (a range's or static address's `gateway`, a route's `gw`): the router on the pod's link, never a pod's address. */
  readonly gateways: readonly ConfigKey[];
  readonly malformed: readonly MalformedKey[];
  /** The IPAM type of each plugin that has one, by plugin type (the `ips` rules differ per IPAM). */
  readonly ipamTypes: readonly string[];
  readonly nodeLinks: readonly NodeLinkField[];
  readonly takenDevices: readonly TakenDevice[];
  /** bridge's `forceAddress` with `isGateway`: the bridge (value) whose addresses the gateway's replaces. */
  readonly readdressedBridges: readonly ConfigKey[];
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
/** The keys by which host-device picks the node's device it moves into the pod. */
const TAKEN_DEVICE_KEYS: Readonly<Record<string, TakenDevice["by"]>> = {
  device: "link",
  pciBusID: "device",
  hwaddr: "mac",
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
    gateways: [] as ConfigKey[],
    malformed: [] as MalformedKey[],
    ipamTypes: [] as string[],
    nodeLinks: [] as NodeLinkField[],
    takenDevices: [] as TakenDevice[],
    readdressedBridges: [] as ConfigKey[],
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
    const field = known.field;
    const written = field !== undefined ? plugin[field] : undefined;
    const linkName = typeof written === "string" && written !== "" ? written : known.fallback;
    if (field !== undefined && linkName !== undefined)
      facts.nodeLinks.push({
        key: `${at}${field}`,
        value: linkName,
        plugin: plugin.type,
        wants: known.wants ?? "link",
      });
    // The plugin deletes the bridge's other addresses to set its gateway's (seen with bridge 1.1.1);
    // isDefaultGateway makes it a gateway too.
    const gateway = plugin["isGateway"] === true || plugin["isDefaultGateway"] === true;
    if (plugin.type === "bridge" && gateway && plugin["forceAddress"] === true && linkName !== undefined)
      facts.readdressedBridges.push({ key: `${at}forceAddress`, value: linkName, plugin: plugin.type });
    if (plugin.type === "host-device")
      for (const [key, by] of Object.entries(TAKEN_DEVICE_KEYS)) {
        const value = plugin[key];
        if (typeof value === "string" && value !== "")
          facts.takenDevices.push({ key: `${at}${key}`, value, plugin: plugin.type, by, effect: "move" });
      }
    if (plugin.type === "macvlan" && plugin["mode"] === "passthru" && linkName !== undefined)
      facts.takenDevices.push({
        key: `${at}master`,
        value: linkName,
        plugin: plugin.type,
        by: "link",
        effect: "passthru",
      });
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

type Collected = {
  defaultRoutes: DefaultRouteSource[];
  subnets: IpamSubnet[];
  pinned: PinnedAddress[];
  gateways: ConfigKey[];
  malformed: MalformedKey[];
  ipamTypes: string[];
};

/** The subnets of host-local and static IPAM; undefined for other IPAM types (DHCP learns its routes at run time). */
function readIpam(plugin: PluginConf, at: string, out: Collected): IpamSubnet[] | undefined {
  const ipam = obj(plugin["ipam"]);
  if (ipam === undefined || ipam["type"] === undefined) return [];
  const before = out.subnets.length;
  const type = ipam["type"];
  out.ipamTypes.push(String(type));
  const read = reader(`${at}ipam.`, String(type), out);
  if (type === "host-local") {
    // The plugin decodes the whole config, its own keys and the conf's args and runtimeConfig.
    const conf = reader(at, String(type), out);
    for (const k of ["args", "runtimeConfig"]) conf.shape(plugin, k, "object");
    const ranges = read.shape(ipam, "ranges", "array") ?? [];
    ranges.forEach((set, s) => {
      const entries = read.shape(ranges, s, "array", `ranges[${s}]`) ?? [];
      if (entries.length === 0 && Array.isArray(set)) read.bad(`ranges[${s}]`, set, "is an empty range set");
      entries.forEach((_, j) =>
        readRange(read.shape(entries, j, "object", `ranges[${s}][${j}]`), `ranges[${s}][${j}].`, read, out),
      );
    });
    if (ipam["subnet"] !== undefined) readRange(ipam, "", read, out);
    const rangesMalformed = ipam["ranges"] !== undefined && ipam["ranges"] !== null && !Array.isArray(ipam["ranges"]);
    if (ranges.length === 0 && ipam["subnet"] === undefined && !rangesMalformed)
      read.bad("ranges", undefined, "is missing: host-local needs at least one range (or subnet)");
    rangeSetOverlaps(out.subnets.slice(before), read);
    for (const k of ["dataDir", "resolvConf"]) {
      const value = read.shape(ipam, k, "string");
      if (value?.includes("\0")) read.bad(k, value, "contains a NUL character");
    }
  } else if (type === "static") {
    const addresses = read.shape(ipam, "addresses", "array") ?? [];
    addresses.forEach((_, j) => {
      const address = read.shape(addresses, j, "object", `addresses[${j}]`);
      if (address === undefined) return;
      const subnet = read.cidr(address, "address", `addresses[${j}].`);
      if (subnet !== undefined) out.subnets.push(subnet);
      read.gateway(address, "gateway", `addresses[${j}].`, subnet);
    });
  } else {
    return undefined;
  }
  const routes = read.shape(ipam, "routes", "array") ?? [];
  routes.forEach((_, j) => {
    const route = read.shape(routes, j, "object", `routes[${j}]`);
    if (route === undefined) return;
    const dst = read.cidr(route, "dst", `routes[${j}].`);
    read.gateway(route, "gw", `routes[${j}].`, undefined);
    if (dst !== undefined && dst.prefix.length === 0)
      out.defaultRoutes.push({ key: dst.key, value: dst.value, plugin: dst.plugin, family: dst.prefix.family });
  });
  return out.subnets.slice(before);
}

type Kind = "object" | "array" | "string";
type Shaped<K extends Kind> = K extends "object" ? JsonObject : K extends "array" ? unknown[] : string;

/** Readers of one IPAM section that note what the plugin could not decode. */
function reader(prefix: string, plugin: string, out: Collected) {
  const owner = (k: string, value: string): ConfigKey => ({ key: `${prefix}${k}`, value, plugin });
  /** `value` undefined: the key is missing. */
  const bad = (k: string, value: unknown, problem: string, absoluteKey = false): void => {
    out.malformed.push({
      key: absoluteKey ? k : `${prefix}${k}`,
      plugin,
      problem,
      ...(value !== undefined ? { value } : {}),
    });
  };
  const isKind = (v: unknown, kind: Kind): boolean =>
    kind === "array" ? Array.isArray(v) : kind === "object" ? obj(v) !== undefined : typeof v === "string";
  return {
    bad,
    /** `o[k]` when present and of `kind`; an absent key (or null, which Go decodes as absent) is undefined. */
    shape<K extends Kind>(o: JsonObject | unknown[], k: string | number, kind: K, key?: string): Shaped<K> | undefined {
      const value = (o as Record<string | number, unknown>)[k];
      // A list element that is null is no element: a range of nothing, a route to nowhere.
      if (value === undefined || (value === null && typeof k === "string")) return undefined;
      const name = key ?? String(k);
      if (!isKind(value, kind)) {
        bad(name, value, `must be ${kind === "array" ? "a list" : kind === "object" ? "a JSON object" : "a string"}`);
        return undefined;
      }
      return value as Shaped<K>;
    },
    /** A CIDR the plugin requires (`subnet`, `address`, `dst`); bare addresses and /33 are refused there. */
    cidr(o: JsonObject, field: string, at: string): IpamSubnet | undefined {
      const value = this.shape(o, field, "string", `${at}${field}`);
      if (value === undefined) {
        if (o[field] === undefined || o[field] === null) bad(`${at}${field}`, undefined, "is missing");
        return undefined;
      }
      const prefix = value.includes("/") ? parsePrefix(value) : undefined;
      if (prefix === undefined) {
        bad(`${at}${field}`, value, "is not a CIDR (address/prefix length)");
        return undefined;
      }
      return { ...owner(`${at}${field}`, value), prefix };
    },
    /** An address that must parse (range bounds, gateways), and lie in `subnet` when one is known. */
    pin(o: JsonObject, field: string, at: string, subnet: IpamSubnet | undefined): ConfigKey | undefined {
      const value = this.shape(o, field, "string", `${at}${field}`);
      if (value === undefined || value === "") return undefined;
      if (ipFamily(value) === 0) {
        bad(`${at}${field}`, value, "is not an IP address");
        return undefined;
      }
      const key = owner(`${at}${field}`, value);
      if (subnet !== undefined) out.pinned.push({ ...key, subnet });
      return key;
    },
    /** A pinned address that is the network's gateway. */
    gateway(o: JsonObject, field: string, at: string, subnet: IpamSubnet | undefined): void {
      const key = this.pin(o, field, at, subnet);
      if (key !== undefined) out.gateways.push(key);
    },
  };
}
type Reader = ReturnType<typeof reader>;

function readRange(range: JsonObject | undefined, at: string, read: Reader, out: Collected): void {
  if (range === undefined) return;
  const subnet = read.cidr(range, "subnet", at);
  if (subnet !== undefined) out.subnets.push(subnet);
  for (const field of ["rangeStart", "rangeEnd"]) read.pin(range, field, at, subnet);
  read.gateway(range, "gateway", at, subnet);
}

/** host-local refuses two range sets whose subnets overlap ("range set … overlaps with …"). */
function rangeSetOverlaps(subnets: readonly IpamSubnet[], read: Reader): void {
  const setOf = (s: IpamSubnet): string => /ranges\[(\d+)\]/.exec(s.key)?.[1] ?? "subnet";
  subnets.forEach((a, i) => {
    const b = subnets.slice(i + 1).find((x) => setOf(x) !== setOf(a) && prefixesOverlap(a.prefix, x.prefix));
    if (b !== undefined) read.bad(b.key, b.value, `overlaps ${a.key} "${a.value}" of another range set`, true);
  });
}

function obj(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
}
