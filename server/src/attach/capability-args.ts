// runtimeConfig (capability args) per delegate. A selection's own options go to its delegate
// only and need a plugin that declares the capability (multi-net spec 4.1.2); the container
// runtime's runtimeConfig goes only to the cluster network (spec 7.5).
import { isJsonObject, normaliseCapabilityArg, type NetworkConfigList } from "../cni/index.js";
import { DaemonError, type ErrorContext } from "../errors/daemon-error.js";
import { DEFAULT_INPUT_LIMITS, limitExceeded } from "../limits/input-limits.js";
import {
  readDns,
  SELECTION_CAPABILITIES,
  SELECTION_FIELDS,
  type Fail,
  type NetworkSelection,
  type PortMapping,
} from "../resolve/index.js";
import type { RuntimeCapabilities } from "./contract.js";

export function declaresCapability(list: NetworkConfigList, capability: string): boolean {
  return pluginsDeclaring(list, capability).length > 0;
}

/** The types of the plugins that declare `capability` (key case ignored): those that get its arg. */
export function pluginsDeclaring(list: NetworkConfigList, capability: string): string[] {
  const wanted = capability.toLowerCase();
  return list.plugins
    .filter((p) => {
      const caps = p["capabilities"];
      if (caps === null || typeof caps !== "object") return false;
      return Object.entries(caps).some(([k, v]) => k.toLowerCase() === wanted && v === true);
    })
    .map((p) => p.type);
}

/**
 * Capability args from a selection's options; throws CAPABILITY_MISSING when nothing would consume one,
 * LIMIT_EXCEEDED for more port mappings than limits.maxPortMappings.
 */
export function selectionCapabilityArgs(
  network: string,
  source: string,
  selection: NetworkSelection,
  list: NetworkConfigList,
  maxPortMappings = DEFAULT_INPUT_LIMITS.maxPortMappings,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, option, capability] of SELECTION_CAPABILITIES) {
    const value = selection[field];
    if (value === undefined) continue;
    if (!declaresCapability(list, capability)) {
      const plugins = list.plugins.map((p) => p.type).join(", ");
      throw new DaemonError(
        "CAPABILITY_MISSING",
        `network "${network}" was given "${option}" but none of its plugins (${plugins}) declares the "${capability}" capability`,
        { network, source, phase: "plan" },
      );
    }
    if (field === "portMappings")
      checkPortMappingCount(value, `network "${network}": its "portMappings"`, maxPortMappings, {
        network,
        source,
        phase: "plan",
      });
    out[capability] = field === "portMappings" ? withProtocols(value as readonly PortMapping[]) : value;
  }
  return out;
}

/** portmap adds rules per mapping, one iptables exec each: a long list holds its ADD until pluginTimeoutMs. */
function checkPortMappingCount(value: unknown, found: string, max: number, context: ErrorContext): void {
  if (Array.isArray(value) && value.length > max)
    throw limitExceeded(`${found} has ${value.length} entries`, "maxPortMappings", max, context);
}

/** The API documents tcp as the default protocol; portmap itself refuses an empty one ("unknown protocol"). */
function withProtocols(mappings: readonly PortMapping[]): PortMapping[] {
  return mappings.map((m) => (m.protocol === undefined || m.protocol === "" ? { ...m, protocol: "tcp" } : m));
}

/** The runtime's runtimeConfig as capability args (cluster network only). */
export function runtimeCapabilityArgs(rc: RuntimeCapabilities | undefined): Record<string, unknown> {
  if (rc === undefined) return {};
  const out: Record<string, unknown> = { ...(rc.extra ?? {}) };
  if (rc.portMappings !== undefined && rc.portMappings.length > 0) out["portMappings"] = withProtocols(rc.portMappings);
  if (rc.bandwidth !== undefined) out["bandwidth"] = rc.bandwidth;
  if (rc.dns !== undefined) out["dns"] = rc.dns;
  if (rc.ips !== undefined && rc.ips.length > 0) out["ips"] = rc.ips;
  if (rc.mac !== undefined && rc.mac !== "") out["mac"] = rc.mac;
  if (rc.cgroupPath !== undefined && rc.cgroupPath !== "") out["cgroupPath"] = rc.cgroupPath;
  return out;
}

/** Checks by capability (lower case): a selection option's own rule for the capability it becomes, and dns. */
const CAPABILITY_CHECKS = new Map<string, (value: unknown, fail: Fail) => unknown>([
  ...SELECTION_CAPABILITIES.map(
    ([, option, capability]) => [capability.toLowerCase(), SELECTION_FIELDS[option]!] as const,
  ),
  // containerd sends an untagged Go struct: a 0 is a rate or burst it did not set (one annotation only).
  ["bandwidth", (value, fail) => SELECTION_FIELDS["bandwidth"]!(withoutZeros(value), fail)],
  ["dns", readDns],
]);

function withoutZeros(value: unknown): unknown {
  return isJsonObject(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== 0)) : value;
}

/**
 * The runtime's runtimeConfig by the rules its annotation twins get, before any plugin runs: a bad
 * value (containerPort 0) fails its plugin's ADD and then its DEL too. Typed fields and `extra`
 * (whatever key case) are both checked; `fail` gets which of the two and the problem.
 */
export function checkRuntimeCapabilities(
  rc: RuntimeCapabilities | undefined,
  fail: (field: string, problem: string) => never,
  opts: { readonly maxPortMappings?: number; readonly phase?: string } = {},
): void {
  if (rc === undefined) return;
  const { extra, ...typed } = rc;
  const max = opts.maxPortMappings ?? DEFAULT_INPUT_LIMITS.maxPortMappings;
  const counted = (field: string, value: unknown): void =>
    checkPortMappingCount(value, field, max, { phase: opts.phase ?? "plan", source: field });
  counted("runtimeConfig.portMappings", typed.portMappings);
  for (const [key, value] of Object.entries(extra ?? {}))
    if (key.toLowerCase() === "portmappings") counted(`runtimeConfig.extra.${key}`, value);
  const check = (field: string, args: Readonly<Record<string, unknown>>): void => {
    for (const [key, value] of Object.entries(args))
      CAPABILITY_CHECKS.get(key.toLowerCase())?.(normaliseCapabilityArg(key, value), (problem) => fail(field, problem));
  };
  check("runtimeConfig", runtimeCapabilityArgs(typed));
  check("runtimeConfig.extra", extra ?? {});
}
