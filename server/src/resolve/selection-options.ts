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

/**
 * A bandwidth rate or burst (bits/s, bits). The spec makes zero invalid, and the bandwidth plugin
 * hands the kernel whole bytes: a rate under 8 bits/s is 0 bytes/s, which tbf refuses.
 */
export const BANDWIDTH_VALUE_RULE = "must be an integer of at least 8 (the plugin counts whole bytes)";
export const isBandwidthValue = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 8;

/**
 * What the bandwidth plugin (1.1.1) and the kernel's tbf refuse in a rate/burst pair, or undefined:
 * the plugin's own "burst cannot be more than 4GB" (burst/8 from 2^32-1 bytes), and its bucket time,
 * which it computes in whole microseconds (burst bytes / rate bytes per µs): 0 makes tbf fail
 * "invalid argument". A burst under a minimum Ethernet frame (64 bytes) lets no packet through.
 */
export function bandwidthBurstProblem(rate: number, burst: number): string | undefined {
  const rateBytes = BigInt(Math.floor(rate / 8));
  const burstBytes = BigInt(Math.floor(burst / 8));
  if (burstBytes >= 0xffffffffn) return "is over the plugin's 4 GiB (at most 34359738359 bits)";
  if (burstBytes < 64n) return "is less than a 64-byte frame (512 bits), so no packet would pass";
  if (burstBytes * 1_000_000n < rateBytes)
    return `holds less than its rate sends in a microsecond (at least ${((rateBytes + 999_999n) / 1_000_000n) * 8n} bits), which the kernel refuses`;
  return undefined;
}

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

/** Values are bits/s and bits, each pair as the bandwidth plugin and the kernel take it. */
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
  // Spec 1.1: a burst requires its rate; the plugin also refuses a rate without its burst.
  for (const [rateKey, burstKey] of [
    ["ingressRate", "ingressBurst"],
    ["egressRate", "egressBurst"],
  ] as const) {
    const [rate, burst] = [out[rateKey], out[burstKey]];
    if (rate === undefined && burst === undefined) continue;
    if (rate === undefined) fail(`"bandwidth".${burstKey} requires ${rateKey}`);
    if (burst === undefined)
      fail(`"bandwidth".${rateKey} requires ${burstKey} (the bandwidth plugin refuses one alone)`);
    const problem = bandwidthBurstProblem(rate, burst);
    if (problem !== undefined) fail(`"bandwidth".${burstKey} ${burst} with ${rateKey} ${rate} ${problem}`);
  }
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
