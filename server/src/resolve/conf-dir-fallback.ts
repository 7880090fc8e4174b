// Which definitions without spec.config may take their config from the conf dir (multi-net spec
// 3.4.1). The spec and Multus let any: with namespaceIsolation, a tenant who may create definitions
// in its own namespace then reaches every conf dir network by name. `confDirFallback` narrows it.
import type { SelectionConfig } from "./types.js";

export const CONF_DIR_FALLBACKS = ["all", "default-namespace", "none"] as const;
export type ConfDirFallbackRule = (typeof CONF_DIR_FALLBACKS)[number];

export interface ConfDirFallback {
  readonly rule: ConfDirFallbackRule;
  /** The daemon's defaultNamespace: the operator's, trusted under "default-namespace". */
  readonly defaultNamespace: SelectionConfig["defaultNamespace"];
}

/** Spec and Multus behaviour. */
export const ANY_CONF_DIR_FALLBACK: ConfDirFallback = { rule: "all", defaultNamespace: "" };

/** Why a config-less definition in `namespace` may not use the conf dir, or undefined when it may. */
export function fallbackRefusal(fallback: ConfDirFallback, namespace: string): string | undefined {
  if (fallback.rule === "all") return undefined;
  if (fallback.rule === "default-namespace" && namespace === fallback.defaultNamespace) return undefined;
  const allowed =
    fallback.rule === "none"
      ? "no definition"
      : `only definitions in the daemon's defaultNamespace ${JSON.stringify(fallback.defaultNamespace)}`;
  return `has no spec.config, and confDirFallback "${fallback.rule}" lets ${allowed} take their config from the conf dir`;
}
