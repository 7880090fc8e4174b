// A selection's `cni-args` go into every plugin's `args.cni`; the annotation's keys win over
// the config's own (multi-net spec 4.1.2). Works on raw JSON so unknown keys survive. Keys that
// plugins read as a per-pod option (ips, mac, ...) never get here: reading the selection refuses
// them (resolve/selection-fields.ts), since here they would skip the option's checks and capability.
import { isJsonObject, type JsonObject } from "../cni/index.js";

function mergeIntoPlugin(plugin: JsonObject, cniArgs: JsonObject): JsonObject {
  const args = isJsonObject(plugin["args"]) ? plugin["args"] : {};
  const cni = isJsonObject(args["cni"]) ? args["cni"] : {};
  return { ...plugin, args: { ...args, cni: { ...cni, ...cniArgs } } };
}

/** The raw config (conf or conflist) with `cniArgs` merged into each plugin. */
export function mergeCniArgs(raw: JsonObject, cniArgs: JsonObject | undefined): JsonObject {
  if (cniArgs === undefined || Object.keys(cniArgs).length === 0) return raw;
  const plugins = raw["plugins"];
  if (Array.isArray(plugins)) {
    return { ...raw, plugins: plugins.map((p: unknown) => (isJsonObject(p) ? mergeIntoPlugin(p, cniArgs) : p)) };
  }
  return mergeIntoPlugin(raw, cniArgs);
}
