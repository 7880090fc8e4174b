// Address helpers for results: CIDR / IP checks and the address family of an entry.

import { isIP } from "node:net";

/** 4 or 6 for a plain IP, 0 otherwise. IPv4-mapped IPv6 counts as 4, like Go's To4(). */
export function ipFamily(ip: string): 0 | 4 | 6 {
  const fam = isIP(ip);
  if (fam === 6 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return 4;
  return fam === 4 || fam === 6 ? fam : 0;
}

/** Family of "ADDR/PREFIX" with a prefix valid for the family, 0 when malformed. */
export function cidrFamily(cidr: string): 0 | 4 | 6 {
  const slash = cidr.indexOf("/");
  if (slash < 0) return 0;
  const ip = cidr.slice(0, slash);
  const prefix = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return 0;
  const raw = isIP(ip);
  if (raw === 0 || Number(prefix) > (raw === 4 ? 32 : 128)) return 0;
  return ipFamily(ip);
}
