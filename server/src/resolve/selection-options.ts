// Readers for the structured selection fields: portMappings and bandwidth. Pure.
import { isJsonObject } from "../cni/index.js";
import { isIpAddress } from "./address-checks.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { Bandwidth, PortMapping } from "./types.js";

export type Fail = (problem: string, opts?: { interfaceName?: string }) => never;

const PROTOCOLS = ["tcp", "udp", "sctp"];

/** A port mapping's hostPort or containerPort; portmap refuses 0, and the kernel knows no port above 65535. */
export const PORT_NUMBER_RULE = "must be a port number 1-65535";
export const isPortNumber = (port: unknown): port is number =>
  Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535;

/** A bandwidth rate or burst (bits/s, bits): the spec makes zero invalid. */
export const BANDWIDTH_VALUE_RULE = "must be a positive integer";
export const isBandwidthValue = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

export function readPortMappings(value: unknown, fail: Fail): PortMapping[] {
  if (!Array.isArray(value)) fail(`"portMappings" must be an array, got ${quoteInput(value)}`);
  return (value as unknown[]).map((entry, i) => {
    const where = `"portMappings" entry ${i + 1}`;
    if (!isJsonObject(entry)) fail(`${where} must be a JSON object, got ${quoteInput(entry)}`);
    const e = entry as Record<string, unknown>;
    rejectUnknownKeys(e, ["hostPort", "containerPort", "protocol", "hostIP"], where, fail);
    for (const key of ["hostPort", "containerPort"]) {
      const port = e[key];
      if (!isPortNumber(port)) fail(`${where}: ${key} ${PORT_NUMBER_RULE}, got ${quoteInput(port)}`);
    }
    const mapping: { -readonly [K in keyof PortMapping]: PortMapping[K] } = {
      hostPort: e.hostPort as number,
      containerPort: e.containerPort as number,
    };
    if (e.protocol !== undefined && e.protocol !== null) {
      if (typeof e.protocol !== "string" || !PROTOCOLS.includes(e.protocol.toLowerCase()))
        fail(`${where}: protocol must be tcp, udp or sctp, got ${quoteInput(e.protocol)}`);
      mapping.protocol = e.protocol as string;
    }
    if (e.hostIP !== undefined && e.hostIP !== null && e.hostIP !== "") {
      if (typeof e.hostIP !== "string" || !isIpAddress(e.hostIP))
        fail(`${where}: hostIP is not an IP address: ${quoteInput(e.hostIP)}`);
      mapping.hostIP = e.hostIP as string;
    }
    return mapping;
  });
}

const BANDWIDTH_KEYS = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"] as const;

/** Values are bits/s and bits; spec 1.1: values non-zero, a burst requires its rate. */
export function readBandwidth(value: unknown, fail: Fail): Bandwidth {
  if (!isJsonObject(value)) fail(`"bandwidth" must be a JSON object, got ${quoteInput(value)}`);
  const v = value as Record<string, unknown>;
  rejectUnknownKeys(v, BANDWIDTH_KEYS, `"bandwidth"`, fail);
  const out: { -readonly [K in keyof Bandwidth]: Bandwidth[K] } = {};
  for (const key of BANDWIDTH_KEYS) {
    const n = v[key];
    if (n === undefined || n === null) continue;
    if (!isBandwidthValue(n)) fail(`"bandwidth".${key} ${BANDWIDTH_VALUE_RULE}, got ${quoteInput(n)}`);
    out[key] = n as number;
  }
  if (out.ingressBurst !== undefined && out.ingressRate === undefined)
    fail(`"bandwidth".ingressBurst requires ingressRate`);
  if (out.egressBurst !== undefined && out.egressRate === undefined)
    fail(`"bandwidth".egressBurst requires egressRate`);
  return out;
}

/** Un-dotted keys are reserved by the spec, so an unknown one is a typo; dotted keys are vendor extensions. */
export function rejectUnknownKeys(
  obj: Record<string, unknown>,
  known: readonly string[],
  where: string,
  fail: Fail,
): void {
  for (const key of Object.keys(obj)) {
    if (key.includes(".") || known.includes(key)) continue;
    const prefix = where === "" ? "unknown key" : `${where} has unknown key`;
    fail(`${prefix} ${quoteInput(key)} (known: ${known.join(", ")}; vendor keys must be dotted, reverse-DNS)`);
  }
}
