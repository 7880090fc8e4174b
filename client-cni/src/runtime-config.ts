// runtimeConfig (capability args) → the daemon's RuntimeConfig and Annotations.
// containerd marshals untagged Go structs, so inner keys arrive capitalised
// ({"HostPort":8080,...}; see test/fixtures/containerd-1.6): inner keys are matched
// case-insensitively, as Go's encoding/json does. Capability names themselves are exact.
import { CniErrorCode, isJsonObject } from "../../server/src/cni/spec/index.js";
import type {
  Annotations,
  Bandwidth,
  DnsCapability,
  PortMapping,
  RuntimeConfig,
} from "../../proto/gen/netattach/v1/sandbox.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { ShimError } from "./shim-error.js";

export const POD_ANNOTATIONS_CAPABILITY = "io.kubernetes.cri.pod-annotations";
/**
 * The capability args the shim reads into typed request fields, in the order the installed conflist
 * declares them (netattachctl install); any other key a runtime sends is forwarded as is.
 */
export const SHIM_CAPABILITIES = [
  POD_ANNOTATIONS_CAPABILITY,
  "portMappings",
  "bandwidth",
  "ips",
  "mac",
  "dns",
  "cgroupPath",
] as const;
const KNOWN: ReadonlySet<string> = new Set(SHIM_CAPABILITIES);

type Json = Record<string, unknown>;

function bad(key: string, value: unknown, why: string): ShimError {
  return new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid runtimeConfig "${key}": ${why}`, quoteInput(value));
}

/** obj[key] matched case-insensitively. */
function field(obj: Json, key: string): unknown {
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** An integer in [min, max] (the proto field's range: int32 ports, int64 rates), else code 7 naming the key. */
function num(cap: string, obj: Json, key: string, max: number): number | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw bad(`${cap}.${key}`, v, `must be an integer from 0 to ${max}`);
  return v;
}

const MAX_PORT = 65_535;

function strings(cap: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw bad(cap, v, "must be a list of strings");
  return v as string[];
}

function portMappings(v: unknown): PortMapping[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw bad("portMappings", v, "must be a list");
  return v.map((p: unknown) => {
    if (!isJsonObject(p)) throw bad("portMappings", p, "entries must be objects");
    const protocol = field(p, "protocol") ?? "";
    const hostIp = field(p, "hostIP") ?? "";
    if (typeof protocol !== "string" || typeof hostIp !== "string")
      throw bad("portMappings", p, "protocol and hostIP must be strings");
    return {
      hostPort: num("portMappings", p, "hostPort", MAX_PORT) ?? 0,
      containerPort: num("portMappings", p, "containerPort", MAX_PORT) ?? 0,
      protocol: protocol.toLowerCase(),
      hostIp,
    };
  });
}

function bandwidth(v: unknown): Bandwidth | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isJsonObject(v)) throw bad("bandwidth", v, "must be an object");
  return {
    ingressRate: num("bandwidth", v, "ingressRate", Number.MAX_SAFE_INTEGER),
    ingressBurst: num("bandwidth", v, "ingressBurst", Number.MAX_SAFE_INTEGER),
    egressRate: num("bandwidth", v, "egressRate", Number.MAX_SAFE_INTEGER),
    egressBurst: num("bandwidth", v, "egressBurst", Number.MAX_SAFE_INTEGER),
  };
}

function dns(v: unknown): DnsCapability | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isJsonObject(v)) throw bad("dns", v, "must be an object");
  return {
    servers: strings("dns.servers", field(v, "servers")),
    searches: strings("dns.searches", field(v, "searches")),
    options: strings("dns.options", field(v, "options")),
  };
}

function optionalString(key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw bad(key, v, "must be a string");
  return v;
}

export function toRuntimeConfig(rc: Readonly<Json> | undefined): RuntimeConfig | undefined {
  if (rc === undefined) return undefined;
  const extra = Object.fromEntries(Object.entries(rc).filter(([k]) => !KNOWN.has(k)));
  return {
    portMappings: portMappings(rc["portMappings"]),
    bandwidth: bandwidth(rc["bandwidth"]),
    dns: dns(rc["dns"]),
    ips: strings("ips", rc["ips"]),
    mac: optionalString("mac", rc["mac"]),
    cgroupPath: optionalString("cgroupPath", rc["cgroupPath"]),
    extraJson: Object.keys(extra).length > 0 ? JSON.stringify(extra) : "",
  };
}

/**
 * The pod's annotations when the runtime sent them. containerd sends `null` for a pod
 * without annotations: that is "sent, empty", not "ask the API server".
 */
export function toAnnotations(rc: Readonly<Json> | undefined): Annotations | undefined {
  if (rc === undefined || !(POD_ANNOTATIONS_CAPABILITY in rc)) return undefined;
  const v = rc[POD_ANNOTATIONS_CAPABILITY];
  if (v === null) return { values: {} };
  if (!isJsonObject(v) || Object.values(v).some((s) => typeof s !== "string"))
    throw bad(POD_ANNOTATIONS_CAPABILITY, v, "must be a map of strings");
  return { values: v as Record<string, string> };
}
