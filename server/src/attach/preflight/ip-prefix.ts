// IP prefixes as numbers, for the IPAM checks: containment and overlap; and the one comparison of
// two addresses. Pure.
import { isIP } from "node:net";

export type IpFamily = 4 | 6;

export interface IpPrefix {
  readonly family: IpFamily;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly length: number;
  /** As written in the config. */
  readonly text: string;
}

/** "10.1.0.0/16" or "fd00::/64" → prefix; a bare address is a host prefix; undefined when malformed. */
export function parsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf("/");
  const ip = slash < 0 ? text : text.slice(0, slash);
  const value = ipToBigInt(ip);
  if (value === undefined) return undefined;
  const bits = value.family === 4 ? 32 : 128;
  const lengthText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) return undefined;
  const length = Number(lengthText);
  return { family: value.family, network: value.n & mask(bits, length), length, text };
}

/** The address as a number, or undefined when `ip` is not an IP address. */
export function ipToBigInt(ip: string): { family: IpFamily; n: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, n: ip.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  if (family !== 6) return undefined;
  return { family, n: ipv6Groups(ip).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/**
 * Whether two addresses are one, as the Go plugins (net.IP) and the kernel take them: however
 * spelled (IPv6 zero compression, case), and an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that
 * IPv4 address. A "/prefix" (and an IPv6 zone) is ignored; a malformed address is no address.
 */
export function sameAddress(a: string, b: string): boolean {
  const x = canonicalAddress(a);
  const y = canonicalAddress(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.n === y.n;
}

function canonicalAddress(text: string): { family: IpFamily; n: bigint } | undefined {
  const v = ipToBigInt(text.split("/")[0] ?? "");
  return v?.family === 6 && v.n >> 32n === 0xffffn ? { family: 4, n: v.n & 0xffffffffn } : v;
}

export function prefixContains(p: IpPrefix, ip: string): boolean {
  const v = ipToBigInt(ip);
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

/** Eight 16-bit groups of a valid IPv6 address (`::` expanded, an embedded IPv4 tail split). */
function ipv6Groups(ip: string): number[] {
  let text = ip.replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}
