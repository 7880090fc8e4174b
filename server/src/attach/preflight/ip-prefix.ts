// IP prefixes as numbers, for the IPAM checks: containment and overlap; and the one comparison of
// two addresses. An address's family and value are the runtime's one rule (ipValue). Pure.
import { ipValue, prefixValue, type IpFamily } from "../../cni/index.js";

export type { IpFamily } from "../../cni/index.js";

export interface IpPrefix {
  readonly family: IpFamily;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly length: number;
  /** As written in the config. */
  readonly text: string;
}

/**
 * "10.1.0.0/16" or "fd00::/64" → prefix; a bare address is a host prefix; undefined when malformed.
 * An IPv4-mapped address is an IPv4 prefix, as the plugins configure it (prefixValue).
 */
export function parsePrefix(text: string): IpPrefix | undefined {
  const value = prefixValue(text);
  if (value === undefined) return undefined;
  const bits = value.family === 4 ? 32 : 128;
  return { family: value.family, network: value.n & mask(bits, value.length), length: value.length, text };
}

/**
 * Whether two addresses are one, as the Go plugins (net.IP) and the kernel take them: however
 * spelled (IPv6 zero compression, case), and an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that
 * IPv4 address. A "/prefix" (and an IPv6 zone) is ignored; a malformed address is no address.
 */
export function sameAddress(a: string, b: string): boolean {
  const x = ipValue(a.split("/")[0] ?? "");
  const y = ipValue(b.split("/")[0] ?? "");
  return x !== undefined && y !== undefined && x.family === y.family && x.n === y.n;
}

/** Whether `ip` is in `p`; an IPv4-mapped address is in an IPv4 prefix, as Go's IPNet.Contains has it. */
export function prefixContains(p: IpPrefix, ip: string): boolean {
  const v = ipValue(ip);
  return v !== undefined && v.family === p.family && (v.n & mask(p.family === 4 ? 32 : 128, p.length)) === p.network;
}

export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.length, b.length);
  const m = mask(a.family === 4 ? 32 : 128, shorter);
  return (a.network & m) === (b.network & m);
}

function mask(bits: number, length: number): bigint {
  return length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(bits - length);
}
