// Address helpers: the one rule for an address's family and value (as Go's net.IP takes them),
// and the CIDR check of results. Pure.

import { isIP } from "node:net";

export type IpFamily = 4 | 6;

/**
 * An address as the Go plugins (net.IP, To4) and the kernel take it: its family and value, an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, however spelled) being that IPv4 address; undefined
 * when `ip` is not an IP address.
 */
export function ipValue(ip: string): { family: IpFamily; n: bigint } | undefined {
  const v = writtenIpValue(ip);
  return v?.family === 6 && v.n >> 32n === 0xffffn ? { family: 4, n: v.n & 0xffffffffn } : v;
}

/** 4 or 6 for a plain IP (IPv4-mapped IPv6 is 4, ipValue), 0 otherwise. */
export function ipFamily(ip: string): 0 | IpFamily {
  return ipValue(ip)?.family ?? 0;
}

/** The address in the notation of its family (ipValue): an IPv4-mapped IPv6 address as a.b.c.d; as given otherwise. */
export function ipText(ip: string): string {
  const v = ipValue(ip);
  if (v?.family !== 4 || isIP(ip) === 4) return ip;
  return [24n, 16n, 8n, 0n].map((shift) => String((v.n >> shift) & 0xffn)).join(".");
}

/**
 * The address as a number in the family it is written in (::ffff:a.b.c.d is IPv6 here): for a
 * prefix, whose length counts in that family. Undefined when `ip` is not an IP address.
 */
export function writtenIpValue(ip: string): { family: IpFamily; n: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, n: ip.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  if (family !== 6) return undefined;
  return { family, n: ipv6Groups(ip).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/**
 * "ADDR/LENGTH" as the Go plugins configure it: the address's family and value by ipValue, and for
 * an IPv4-mapped address the length counted past its 96 mapped bits, none left being 0
 * (::ffff:10.0.0.5/120 is 10.0.0.5/24 and /64 is 10.0.0.5/0, as static IPAM sets them). A bare
 * address is a host prefix. Undefined when malformed, a length over the written family's bits too.
 */
export function prefixValue(text: string): { family: IpFamily; n: bigint; length: number } | undefined {
  const slash = text.indexOf("/");
  const ip = slash < 0 ? text : text.slice(0, slash);
  const written = writtenIpValue(ip);
  const value = ipValue(ip);
  if (written === undefined || value === undefined) return undefined;
  const writtenBits = written.family === 4 ? 32 : 128;
  const lengthText = slash < 0 ? String(writtenBits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > writtenBits) return undefined;
  const mapped = written.family !== value.family;
  return { ...value, length: mapped ? Math.max(0, Number(lengthText) - 96) : Number(lengthText) };
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

/** Family of "ADDR/PREFIX" with a prefix valid for the family, 0 when malformed. */
export function cidrFamily(cidr: string): 0 | IpFamily {
  return cidr.includes("/") ? (prefixValue(cidr)?.family ?? 0) : 0;
}
