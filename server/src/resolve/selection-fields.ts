// One reader per JSON selection key. Each returns the normalised part of the selection or
// calls `fail` with a message that names the field and the bad value. Pure.
import { isJsonObject, type JsonObject } from "../cni/index.js";
import {
  canonicalHardwareAddress,
  interfaceAddressProblem,
  interfaceMacProblem,
  isInfinibandGuid,
  isIpAddress,
  isIpOrCidr,
} from "./address-checks.js";
import { interfaceNameProblem } from "../cni/index.js";
import { isDnsLabel } from "./name-checks.js";
import { DEVICE_ID_RULE, isDeviceId } from "./device-id.js";
import { quoteInput } from "../errors/bounded-text.js";
import { readBandwidth, readPortMappings, rejectUnknownKeys, type Fail } from "./selection-options.js";
import type { NetworkSelection } from "./types.js";

type Writable<T> = { -readonly [K in keyof T]: T[K] };
export type SelectionDraft = Writable<NetworkSelection>;
type FieldReader = (value: unknown, fail: Fail) => Partial<SelectionDraft>;

function readString(key: string, value: unknown, fail: Fail): string {
  if (typeof value !== "string" || value === "")
    fail(`${quoteInput(key)} must be a non-empty string, got ${quoteInput(value)}`);
  return value as string;
}

function readStringList(
  key: string,
  value: unknown,
  fail: Fail,
  check: (s: string) => boolean,
  what: string,
): string[] {
  if (!Array.isArray(value)) fail(`${quoteInput(key)} must be an array of strings, got ${quoteInput(value)}`);
  return (value as unknown[]).map((item, i) => {
    if (typeof item !== "string" || !check(item))
      fail(`${quoteInput(key)} entry ${i + 1} is not ${what}: ${quoteInput(item)}`);
    return item as string;
  });
}

/** Addresses the interface is given: each usable, none twice (the plugin's second add fails "file exists"). */
function readInterfaceAddresses(value: unknown, fail: Fail): string[] {
  const ips = readStringList("ips", value, fail, isIpOrCidr, "an IP address or CIDR");
  ips.forEach((ip, i) => {
    const problem = interfaceAddressProblem(ip);
    if (problem !== undefined) fail(`"ips" entry ${i + 1} ${problem}: ${quoteInput(ip)}`);
    const address = ip.split("/")[0];
    const first = ips.findIndex((other) => other.split("/")[0] === address);
    if (first < i) fail(`"ips" entry ${i + 1} repeats the address of entry ${first + 1}: ${quoteInput(ip)}`);
  });
  return ips;
}

function readInterface(key: string): FieldReader {
  return (value, fail) => {
    const name = readString(key, value, fail);
    const problem = interfaceNameProblem(name);
    if (problem) fail(`${quoteInput(key)} ${quoteInput(name)} ${problem}`, { interfaceName: name });
    return { interface: name };
  };
}

/**
 * The selection options that are CNI capability args: NetworkSelection field, annotation key, and
 * the capability a plugin must declare to get it (multi-net spec 4.1.2). One table for the
 * capability gate (attach/capability-args.ts) and the cni-args rule below.
 */
export const SELECTION_CAPABILITIES: ReadonlyArray<readonly [keyof NetworkSelection, string, string]> = [
  ["ips", "ips", "ips"],
  ["mac", "mac", "mac"],
  ["portMappings", "portMappings", "portMappings"],
  ["bandwidth", "bandwidth", "bandwidth"],
  ["infinibandGuid", "infiniband-guid", "infinibandGUID"],
  ["deviceId", "deviceID", "deviceID"],
];

/**
 * `cni-args` keys (lower case) plugins read as an option's value, to the option's annotation key:
 * host-local and static take `args.cni.ips`, tuning and bridge `args.cni.mac`. Through `cni-args`
 * they would reach every plugin unchecked, whether or not the network declares the capability the
 * option needs. Go's JSON decoder matches keys whatever their case, so `IPs` is `ips` too.
 */
const OPTION_ARGS: ReadonlyMap<string, string> = new Map(
  SELECTION_CAPABILITIES.map(([, key, capability]) => [capability.toLowerCase(), key]),
);

export const SELECTION_FIELDS: Readonly<Record<string, FieldReader>> = {
  name: (value, fail) => {
    const name = readString("name", value, fail);
    if (!isDnsLabel(name))
      fail(`"name" ${quoteInput(name)} is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`);
    return { name };
  },
  namespace: (value, fail) => {
    const namespace = readString("namespace", value, fail);
    if (!isDnsLabel(namespace))
      fail(`"namespace" ${quoteInput(namespace)} is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`);
    return { namespace };
  },
  interface: readInterface("interface"),
  // Name used before multi-net spec 1.0 final; Multus still reads it.
  interfaceRequest: readInterface("interfaceRequest"),
  ips: (value, fail) => ({ ips: readInterfaceAddresses(value, fail) }),
  mac: (value, fail) => {
    const mac = readString("mac", value, fail);
    const problem = interfaceMacProblem(mac);
    if (problem !== undefined) fail(`"mac" ${problem}: ${quoteInput(mac)}`);
    // The kernel's notation, which it reports back: Go's plugins parse the others to the same bytes.
    return { mac: canonicalHardwareAddress(mac) ?? mac };
  },
  "default-route": (value, fail) => ({
    defaultRoute: readStringList("default-route", value, fail, isIpAddress, "an IP address"),
  }),
  portMappings: (value, fail) => ({ portMappings: readPortMappings(value, fail) }),
  bandwidth: (value, fail) => ({ bandwidth: readBandwidth(value, fail) }),
  "cni-args": (value, fail) => {
    if (!isJsonObject(value)) fail(`"cni-args" must be a JSON object, got ${quoteInput(value)}`);
    for (const [key, arg] of Object.entries(value as JsonObject)) {
      const option = OPTION_ARGS.get(key.toLowerCase());
      if (option !== undefined)
        fail(
          `"cni-args" key ${quoteInput(key)} would give plugins an "${option}" without the option's checks and without the network's capability for it: use the "${option}" option instead, got ${quoteInput(arg)}`,
        );
    }
    return { cniArgs: value as JsonObject };
  },
  "infiniband-guid": (value, fail) => {
    const guid = readString("infiniband-guid", value, fail);
    if (!isInfinibandGuid(guid))
      fail(`"infiniband-guid" is not an 8-byte GUID (xx:xx:xx:xx:xx:xx:xx:xx): ${quoteInput(guid)}`);
    return { infinibandGuid: guid };
  },
  deviceID: (value, fail) => {
    const id = readString("deviceID", value, fail);
    if (!isDeviceId(id)) fail(`"deviceID" ${DEVICE_ID_RULE}, got ${quoteInput(id)}`);
    return { deviceId: id };
  },
  "ipam-claim-reference": (value, fail) => ({ ipamClaimReference: readString("ipam-claim-reference", value, fail) }),
};

/** The runtime's "dns" capability (CNI CONVENTIONS.md), not a selection key: checked with the same readers. */
export function readDns(value: unknown, fail: Fail): void {
  if (!isJsonObject(value)) fail(`"dns" must be a JSON object, got ${quoteInput(value)}`);
  const dns = value as Record<string, unknown>;
  rejectUnknownKeys(dns, ["servers", "searches", "options"], `"dns"`, fail);
  const present = (v: unknown): boolean => v !== undefined && v !== null;
  if (present(dns.servers)) readStringList("dns.servers", dns.servers, fail, isIpAddress, "an IP address");
  for (const key of ["searches", "options"])
    if (present(dns[key])) readStringList(`dns.${key}`, dns[key], fail, () => true, "a string");
}
