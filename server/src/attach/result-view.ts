// A read-only view of a delegate result in 1.0.0 terms, read defensively (plugins print anything).
import { toResult100, type CniResult, type JsonObject } from "../cni/index.js";
import type { DnsConfig } from "./network-status-entry.js";

export interface ResultInterface {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly sandbox?: string;
}
export interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
  readonly interface?: number;
}
export interface ResultRoute {
  readonly dst: string;
  readonly gw?: string;
}
export interface ResultView {
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
  readonly routes: readonly ResultRoute[];
  readonly dns?: DnsConfig;
}

export function viewResult(result: CniResult): ResultView {
  const r = toResult100(result) as unknown as JsonObject;
  return {
    interfaces: objects(r["interfaces"]).flatMap((i) =>
      typeof i["name"] === "string"
        ? [{ name: i["name"], ...str(i, "mac"), ...(typeof i["mtu"] === "number" ? { mtu: i["mtu"] } : {}), ...str(i, "sandbox") }]
        : [],
    ),
    ips: objects(r["ips"]).flatMap((i) =>
      typeof i["address"] === "string"
        ? [{ address: i["address"], ...str(i, "gateway"), ...(typeof i["interface"] === "number" ? { interface: i["interface"] } : {}) }]
        : [],
    ),
    routes: objects(r["routes"]).flatMap((i) => (typeof i["dst"] === "string" ? [{ dst: i["dst"], ...str(i, "gw") }] : [])),
    ...dnsOf(r["dns"]),
  };
}

export function isDefaultDst(dst: string): boolean {
  return dst === "0.0.0.0/0" || dst === "::/0";
}

function dnsOf(v: unknown): { dns?: DnsConfig } {
  if (v === null || typeof v !== "object") return {};
  const d = v as JsonObject;
  const dns: DnsConfig = {
    ...strings(d, "nameservers"),
    ...str(d, "domain"),
    ...strings(d, "search"),
    ...strings(d, "options"),
  };
  return Object.keys(dns).length > 0 ? { dns } : {};
}

function objects(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter((x): x is JsonObject => x !== null && typeof x === "object" && !Array.isArray(x)) : [];
}

function str<K extends string>(o: JsonObject, key: K): { [P in K]?: string } {
  const v = o[key];
  return (typeof v === "string" && v !== "" ? { [key]: v } : {}) as { [P in K]?: string };
}

function strings<K extends string>(o: JsonObject, key: K): { [P in K]?: string[] } {
  const v = o[key];
  if (!Array.isArray(v)) return {} as { [P in K]?: string[] };
  const list = v.filter((x): x is string => typeof x === "string");
  return (list.length > 0 ? { [key]: list } : {}) as { [P in K]?: string[] };
}
