// runtimeConfig for one plugin: the capabilities it declares `true` ∩ the capability args
// offered (keys matched case-insensitively, spelled as the plugin declared them), with
// containerd's untagged Go-struct casing normalised to the CONVENTIONS.md spelling.

import type { JsonObject } from "./types.js";
import { isJsonObject } from "./json-object.js";

type Renames = Readonly<Record<string, string>>;

const PORT_MAPPING: Renames = {
  hostport: "hostPort",
  containerport: "containerPort",
  protocol: "protocol",
  hostip: "hostIP",
};
const BANDWIDTH: Renames = {
  ingressrate: "ingressRate",
  ingressburst: "ingressBurst",
  egressrate: "egressRate",
  egressburst: "egressBurst",
};
const DNS: Renames = { servers: "servers", searches: "searches", options: "options" };

/** Rename known keys case-insensitively; other keys pass through unchanged. */
function renameKeys(v: unknown, renames: Renames): unknown {
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) out[renames[key.toLowerCase()] ?? key] = value;
  return out;
}

const NORMALISERS: Readonly<Record<string, (v: unknown) => unknown>> = {
  portmappings: (v) => (Array.isArray(v) ? v.map((e) => renameKeys(e, PORT_MAPPING)) : v),
  bandwidth: (v) => renameKeys(v, BANDWIDTH),
  dns: (v) => renameKeys(v, DNS),
};

/** Normalise the value of a well-known capability; unknown ones are returned as is. */
export function normaliseCapabilityArg(name: string, value: unknown): unknown {
  const fn = NORMALISERS[name.toLowerCase()];
  return fn ? fn(value) : value;
}

export function filterCapabilityArgs(
  capabilities: unknown,
  capabilityArgs: JsonObject | undefined,
): JsonObject | undefined {
  if (!isJsonObject(capabilities) || capabilityArgs === undefined) return undefined;
  const offered = new Map<string, unknown>();
  for (const [key, value] of Object.entries(capabilityArgs)) {
    const lower = key.toLowerCase();
    if (!offered.has(lower)) offered.set(lower, value);
  }
  const out: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(capabilities)) {
    if (enabled !== true) continue;
    // An exact-case key wins over a differently cased duplicate.
    const exact = Object.hasOwn(capabilityArgs, cap) ? capabilityArgs[cap] : undefined;
    const value = exact !== undefined ? exact : offered.get(cap.toLowerCase());
    if (value !== undefined) out[cap] = normaliseCapabilityArg(cap, value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
