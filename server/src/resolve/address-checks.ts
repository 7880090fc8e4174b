// Address syntax checks for selection fields. Pure.
import { isIP } from "node:net";

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** An IP address, or an IP with a prefix length valid for its family (10.1.1.5/24, fd00::5/64). */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return isIpAddress(value);
  const family = isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
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

/** An InfiniBand GUID: 8 bytes written as 8 hex pairs with ':' or '-' (23 characters). */
export function isInfinibandGuid(value: string): boolean {
  return value.length === 23 && !value.includes(".") && hardwareAddressBytes(value) === 8;
}
