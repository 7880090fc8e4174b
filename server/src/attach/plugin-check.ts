// Every plugin binary of every delegate must exist before the first delegate runs, and none may be
// netattach's own shim under another name (a symlink): the resolver refuses it by type only. A copy
// under another name refuses itself when run (client-cni/src/as-delegate.ts, mapped in cni-error.ts).
import { realpath } from "node:fs/promises";
import { basename } from "node:path";
import { isCniError, type JsonObject, type PluginConf, type PluginExec } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentPlan } from "./attachment-plan.js";
import { toDaemonError } from "./cni-error.js";
import { delegateList } from "./delegate-invocation.js";
import { describeOrigin } from "./origin.js";
import { selfDelegationError, SHIM_TYPE } from "../resolve/index.js";

export type PluginLookup =
  { readonly found: string } | { readonly found?: undefined; readonly searched: readonly string[] };

/** Finds a plugin binary by type; rejects (with the runtime's CniError) a type that cannot name one. */
export type FindPlugin = (type: string) => Promise<PluginLookup>;

/** A FindPlugin over the runtime's exec seam and bin dirs; `found` is the binary behind any symlinks. */
export function createPluginFinder(exec: Pick<PluginExec, "findInPath">, binDirs: readonly string[]): FindPlugin {
  return async (type) => {
    try {
      const path = await exec.findInPath(type, binDirs);
      return { found: await realpath(path).catch(() => path) };
    } catch (err) {
      // Only a missing binary is "not found"; a type such as "../../bin/sh" is a bad config.
      if (isCniError(err) && err.kind === "plugin-not-found") return { searched: binDirs };
      throw err;
    }
  };
}

export async function verifyPlugins(plan: AttachmentPlan, findPlugin: FindPlugin): Promise<void> {
  const cache = new Map<string, Promise<PluginLookup>>();
  for (const delegate of plan.delegates) {
    const list = delegateList(delegate, "plan");
    for (const type of list.plugins.flatMap(pluginTypes)) {
      let lookup = cache.get(type);
      if (lookup === undefined) {
        lookup = findPlugin(type);
        cache.set(type, lookup);
      }
      const source = describeOrigin(delegate.origin);
      const result = await lookup.catch((err: unknown) => {
        throw toDaemonError(err, { network: delegate.network, ifName: delegate.ifName, phase: "plan", source });
      });
      if (result.found === undefined) {
        throw new DaemonError(
          "PLUGIN_NOT_FOUND",
          `network "${delegate.network}" (${delegate.ifName}): plugin "${type}" not found in ${result.searched.join(", ") || "(no bin dirs)"}`,
          {
            network: delegate.network,
            plugin: type,
            ifName: delegate.ifName,
            phase: "plan",
            source,
          },
        );
      }
      if (basename(result.found) === SHIM_TYPE)
        throw selfDelegationError(delegate.network, source, `plugin "${type}" is ${result.found}`, "plan");
    }
  }
}

/** The plugin's own type and, as plugins delegate to it, its IPAM plugin's. */
function pluginTypes(plugin: PluginConf): string[] {
  const ipam = plugin["ipam"];
  const ipamType = ipam !== null && typeof ipam === "object" ? (ipam as JsonObject)["type"] : undefined;
  return typeof ipamType === "string" && ipamType !== "" ? [plugin.type, ipamType] : [plugin.type];
}
