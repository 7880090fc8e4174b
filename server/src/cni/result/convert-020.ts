// 0.1.0/0.2.0 (ip4/ip6) ↔ 0.3.x/0.4.0 (ips[] with version) — pkg/types/040 convertFrom02x / convertTo02x.

import { CniError, CniErrorCode } from "../spec/errors.js";
import { cidrFamily } from "./ip.js";
import { isJsonObject } from "../spec/json-object.js";
import type { Obj } from "./shape.js";

type Mutable = { [key: string]: unknown };

const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
const gatewayOf = (v: unknown): Obj => (v === undefined || v === null || v === "" ? {} : { gateway: v });

/** ip4/ip6 become ips[] with version "4"/"6"; their routes are merged into one list. */
export function from020(r: Obj): Mutable {
  const { ip4, ip6, ...rest } = r;
  const ips: Obj[] = [];
  const routes: Obj[] = [];
  for (const [ipc, version] of [
    [ip4, "4"],
    [ip6, "6"],
  ] as const) {
    if (!isJsonObject(ipc)) continue;
    const { ip, gateway, routes: ipRoutes, ...extra } = ipc;
    ips.push({ version, address: ip, ...gatewayOf(gateway), ...extra });
    routes.push(...objects(ipRoutes));
  }
  const out: Mutable = { ...rest };
  if (ips.length > 0) out["ips"] = ips;
  if (routes.length > 0) out["routes"] = routes;
  return out;
}

function versionOf(ip: Obj): 0 | 4 | 6 {
  if (ip["version"] === "4") return 4;
  if (ip["version"] === "6") return 6;
  return typeof ip["address"] === "string" ? cidrFamily(ip["address"]) : 0;
}

/**
 * Keep only the first IPv4 and first IPv6 (0.2.0 holds one of each); routes go to the
 * config of their family with only dst/gw; interfaces are dropped.
 */
export function to020(r: Obj, fromVersion: string, toVersion: string): Mutable {
  const { interfaces: _interfaces, ips, routes, ...rest } = r;
  const configs: { 4?: Mutable; 6?: Mutable } = {};
  for (const ip of objects(ips)) {
    const fam = versionOf(ip);
    if (fam === 0 || configs[fam]) continue;
    const { version: _v, address, gateway, interface: _i, ...extra } = ip;
    configs[fam] = { ip: address, ...gatewayOf(gateway), ...extra };
  }
  if (!configs[4] && !configs[6]) {
    throw new CniError({
      kind: "incompatible-version",
      code: CniErrorCode.IncompatibleVersion,
      msg: `cannot convert CNI result version ${fromVersion} to ${toVersion}: no valid IP addresses`,
    });
  }
  for (const route of objects(routes)) {
    const fam = typeof route["dst"] === "string" ? cidrFamily(route["dst"]) : 0;
    const target = fam === 0 ? undefined : configs[fam];
    if (!target) continue;
    const list = (target["routes"] ??= []) as Obj[];
    list.push(
      route["gw"] === undefined || route["gw"] === null
        ? { dst: route["dst"] }
        : { dst: route["dst"], gw: route["gw"] },
    );
  }
  const out: Mutable = { ...rest };
  if (configs[4]) out["ip4"] = configs[4];
  if (configs[6]) out["ip6"] = configs[6];
  return out;
}
