// Address syntax checks for selection fields. Pure.
import { isIP } from "node:net";
import { ipFamily, ipText, prefixValue } from "../cni/index.js";

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** An IP address, or an IP with a prefix length valid for its family (10.1.1.5/24, fd00::5/64). */
export function isIpOrCidr(value: string): boolean {
  return value.includes("/") ? prefixValue(value) !== undefined : isIpAddress(value);
}

/**
 * Why `value` cannot be an interface's own address (a selection's or the runtime's `ips`), or
 * undefined when it can: the syntax, then what the plugin would accept but the pod could not use.
 * A /0 prefix would route every destination through that interface.
 */
export function interfaceAddressProblem(value: string): string | undefined {
  if (!isIpOrCidr(value)) return "is not an IP address or CIDR";
  const [written = "", prefix] = value.split("/");
  // As the plugins take it: ::ffff:a.b.c.d/64 is a.b.c.d/0 (prefixValue).
  if (prefix !== undefined && prefixValue(value)?.length === 0)
    return Number(prefix) === 0
      ? "has prefix length 0, which would route everything through it"
      : "has prefix length 0 as the plugins take it (an IPv4-mapped address's length counts past its first 96 bits), which would route everything through it";
  // ::ffff:a.b.c.d is that IPv4 address to the plugins (ipFamily).
  const ip = ipText(written);
  const v4 = ipFamily(ip) === 4;
  const first = v4 ? Number(ip.split(".")[0]) : 0;
  if (v4 ? ip === "0.0.0.0" : /^[0:]*$/.test(ip)) return "is the unspecified address";
  if (v4 ? first >= 224 && first <= 239 : /^ff/i.test(ip)) return "is a multicast address";
  if (ip === "255.255.255.255") return "is the broadcast address";
  return undefined;
}

/**
 * Length in bytes of a hardware address in one of the notations Go's net.ParseMAC accepts
 * (aa:bb:.., aa-bb-.., aabb.ccdd...), or undefined. Lengths 6, 8 and 20 are valid.
 */
export function hardwareAddressBytes(value: string): number | undefined {
  const sep = value[2];
  if (sep === ":" || sep === "-") {
    const groups = value.split(sep);
    return groups.every((g) => /^[0-9a-fA-F]{2}$/.test(g)) ? validLength(groups.length) : undefined;
  }
  if (value[4] === ".") {
    const groups = value.split(".");
    return groups.every((g) => /^[0-9a-fA-F]{4}$/.test(g)) ? validLength(groups.length * 2) : undefined;
  }
  return undefined;
}

function validLength(bytes: number): number | undefined {
  return bytes === 6 || bytes === 8 || bytes === 20 ? bytes : undefined;
}

export function isMacAddress(value: string): boolean {
  return hardwareAddressBytes(value) !== undefined;
}

/** A hardware address in the kernel's own notation (lower-case hex pairs joined by ':'), or undefined. */
export function canonicalHardwareAddress(value: string): string | undefined {
  if (hardwareAddressBytes(value) === undefined) return undefined;
  return (value.replace(/[^0-9a-fA-F]/g, "").match(/../g) ?? []).join(":").toLowerCase();
}

/**
 * Why `value` cannot be an Ethernet interface's own MAC, or undefined. Only 6 bytes: given 8 or
 * 20, Go's plugins (tuning, bridge, macvlan) parse them and the kernel keeps the first 6, so the
 * pod would get another address than the one asked for. The kernel refuses group and zero addresses.
 */
export function interfaceMacProblem(value: string): string | undefined {
  const bytes = hardwareAddressBytes(value);
  if (bytes === undefined) return "is not a MAC address";
  if (bytes !== 6)
    return `has ${bytes} bytes, not the 6 of an Ethernet MAC (xx:xx:xx:xx:xx:xx; an InfiniBand GUID goes in "infiniband-guid")`;
  const hex = value.replace(/[^0-9a-fA-F]/g, "");
  if ((parseInt(hex.slice(0, 2), 16) & 1) === 1) return "is a multicast (group) address";
  if (/^0+$/.test(hex)) return "is the all-zero address";
  return undefined;
}

/** An InfiniBand GUID: 8 bytes written as 8 hex pairs with ':' or '-' (23 characters). */
export function isInfinibandGuid(value: string): boolean {
  return value.length === 23 && !value.includes(".") && hardwareAddressBytes(value) === 8;
}
