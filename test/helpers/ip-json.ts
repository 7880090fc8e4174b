// Typed views of iproute2's JSON output (`ip -j -d link/addr/route/rule`, `tc -j qdisc`).
// Only the fields tests read; iproute2 prints more.
import { runJson } from "./run-cmd.js";

export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly mtu: number;
  readonly operstate: string;
  readonly address?: string;
  readonly master?: string;
  readonly link?: string;
  readonly link_index?: number;
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: Record<string, unknown> };
}

export interface IpAddrInfo {
  readonly family: "inet" | "inet6";
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
}

export interface IpAddr extends IpLink {
  readonly addr_info: readonly IpAddrInfo[];
}

export interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly prefsrc?: string;
  readonly scope?: string;
  readonly table?: string;
}

export interface IpRule {
  readonly priority: number;
  readonly src: string;
  readonly srclen?: number;
  readonly table: string;
}

export interface TcQdisc {
  readonly kind: string;
  readonly handle: string;
  readonly dev: string;
  readonly root?: boolean;
  readonly parent?: string;
  readonly options?: Record<string, unknown>;
}

/** `ip [-n NS] -j -d <args>` parsed. */
export function ipJson<T>(ns: string | undefined, args: readonly string[]): Promise<T> {
  const nsArgs = ns === undefined ? [] : ["-n", ns];
  return runJson<T>("ip", [...nsArgs, "-j", "-d", ...args]);
}

/** `tc [-n NS] -j qdisc show [dev DEV]` parsed. */
export function tcQdiscs(ns: string | undefined, dev?: string): Promise<TcQdisc[]> {
  const nsArgs = ns === undefined ? [] : ["-n", ns];
  return runJson<TcQdisc[]>("tc", [...nsArgs, "-j", "qdisc", "show", ...(dev === undefined ? [] : ["dev", dev])]);
}

/** IPv4/IPv6 addresses of one link as "a.b.c.d/len" strings (global scope only). */
export function globalAddrs(link: IpAddr | undefined): string[] {
  return (link?.addr_info ?? [])
    .filter((a) => a.scope === "global" || a.scope === "host")
    .map((a) => `${a.local}/${a.prefixlen}`);
}
