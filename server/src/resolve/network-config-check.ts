// Source-level checks of a CNI config (conf or conflist): enough to say which file or
// definition is broken. The runtime does the full validation when it loads the list.
import type { JsonObject } from "../cni/index.js";
import { isJsonObject } from "../cni/index.js";

export type ParsedConfig = { readonly config: JsonObject } | { readonly problem: string; readonly cause?: unknown };

/** Parse JSON text and check its shape; never throws. */
export function parseNetworkConfigText(text: string): ParsedConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `is not valid JSON: ${(err as Error).message}`, cause: err };
  }
  const problem = networkConfigProblem(value);
  return problem === undefined ? { config: value as JsonObject } : { problem };
}

/** Why `value` is not a CNI conf or conflist, or undefined. A missing `name` is allowed here. */
export function networkConfigProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return "is not a JSON object";
  if (value.name !== undefined && (typeof value.name !== "string" || value.name === ""))
    return `has a "name" that is not a non-empty string`;
  if (value.plugins !== undefined) {
    if (!Array.isArray(value.plugins) || value.plugins.length === 0)
      return `has "plugins" that is not a non-empty array`;
    const bad = value.plugins.findIndex(
      (p: unknown) => !isJsonObject(p) || typeof p.type !== "string" || p.type === "",
    );
    return bad < 0 ? undefined : `plugin ${bad + 1} has no "type"`;
  }
  if (typeof value.type !== "string" || value.type === "") return `has neither "type" (conf) nor "plugins" (conflist)`;
  return undefined;
}

export function isConfList(config: JsonObject): boolean {
  return config.plugins !== undefined;
}

export function configName(config: JsonObject): string | undefined {
  return typeof config.name === "string" && config.name !== "" ? config.name : undefined;
}
