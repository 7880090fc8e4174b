// Relative paths in a config file are relative to that file; in flags, to the working dir.
import { isAbsolute, resolve } from "node:path";

const PATH_KEYS = ["socketPath", "cniConfDir", "definitionsDir", "stateDir"] as const;
const PATH_LIST_KEYS = ["cniBinDirs"] as const;
/** Path-valued keys of nested sections. */
const NESTED_PATH_KEYS: Readonly<Record<string, readonly string[]>> = {
  kubernetes: ["kubeconfigPath"],
  tls: ["certFile", "keyFile", "clientCaFile"],
  reconcile: ["runtimeSocket"],
};

/** A copy of `raw` with its path-valued keys made absolute against `base`; other values untouched. */
export function resolvePaths(raw: Record<string, unknown>, base: string): Record<string, unknown> {
  const abs = (v: unknown): unknown => (typeof v === "string" && v !== "" && !isAbsolute(v) ? resolve(base, v) : v);
  const out: Record<string, unknown> = { ...raw };
  for (const key of PATH_KEYS) if (key in out) out[key] = abs(out[key]);
  for (const key of PATH_LIST_KEYS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(abs);
  for (const [section, keys] of Object.entries(NESTED_PATH_KEYS)) {
    const value = out[section];
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    const copy: Record<string, unknown> = { ...value };
    for (const key of keys) if (key in copy) copy[key] = abs(copy[key]);
    out[section] = copy;
  }
  return out;
}
