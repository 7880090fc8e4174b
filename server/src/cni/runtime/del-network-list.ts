// DEL: plugins in reverse order, each given the cached final ADD result (≥0.4.0) converted
// to its version. Idempotent: a missing cache or an empty netns is fine; a corrupt cache is
// reported and removed; without a cached result DEL takes the caller's prevResult, if any,
// or goes on without. It stops at the first failure (libcni), or with keepGoing runs every
// plugin's DEL and then throws the first failure. The cache goes only once every plugin
// succeeded, so a failed DEL can be retried with the same prevResult, and it is gone before DEL
// returns: a later ADD, GC or reader must not see the old record (an unlink left running could
// even land after the next ADD's rename and delete the new one). It costs one synchronous unlink;
// one that fails (read-only disk) is reported and left for CNI GC, see removeCache.
import type { CniResult, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import type { InvokeOptions } from "../invoke/types.js";
import type { CniError } from "../spec/errors.js";
import { sendsPrevResultOnDel } from "../spec/version.js";
import { cniArgsFor } from "./add-network-list.js";
import { loadCachedResult } from "./cached-result.js";
import { configFor, convertFor } from "./plugin-result.js";
import { withContext } from "./error-context.js";
import {
  invokePlugin,
  resolvePlugin,
  resolvePlugins,
  type AttachmentOperation,
  type ResolvedPlugin,
  type RuntimeContext,
} from "./runtime-context.js";
import { validateAttachment } from "./validate-attachment.js";

export const delNetworkList: AttachmentOperation<void> = async (ctx, list, rt, opts) => {
  validateAttachment(list, rt, "DEL");
  const cniArgs = cniArgsFor(list, rt, "DEL");
  // libcni finds every plugin before the first DEL; going on past failures, a missing one fails alone.
  const plugins = opts?.keepGoing === true ? undefined : await resolvePlugins(ctx, list, opts);
  const prev = await resultForDel(ctx, list, rt, opts);
  // In reverse: the plugin at index i has i runs after its own (InvokeOptions.timeLeftMs).
  const del = async (p: ResolvedPlugin, runsAfter: number): Promise<void> => {
    const config = configFor(list, p, rt, sendsPrevResultOnDel(p.version) ? prev : undefined);
    await invokePlugin(ctx, { list, plugin: p, command: "DEL", config, rt, cniArgs, opts, runsAfter });
  };
  if (plugins !== undefined) {
    for (const [i, p] of [...plugins.entries()].reverse()) await del(p, i);
  } else {
    let first: CniError | undefined;
    for (const [i, plugin] of [...list.plugins.entries()].reverse()) {
      try {
        await del(await resolvePlugin(ctx, list, plugin, opts, i + 1), i);
      } catch (err) {
        first ??= withContext(err, list, plugin.type, "DEL");
      }
    }
    if (first !== undefined) throw first;
  }
  await removeCache(ctx, list, rt);
};

/** prevResult for DEL (≥ 0.4.0): the cached ADD result, else the caller's; a corrupt cache entry is removed. */
export async function resultForDel(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  rt: RuntimeConf,
  opts: InvokeOptions | undefined,
): Promise<CniResult | undefined> {
  if (!sendsPrevResultOnDel(list.cniVersion)) return undefined;
  const cached = await loadCachedResult(ctx, list, rt);
  if (cached.status === "found") return cached.result;
  if (cached.status === "corrupt") await removeCache(ctx, list, rt);
  return opts?.prevResult !== undefined ? callerResult(opts.prevResult, list) : undefined;
}

/** The caller's saved result in the list's version; one that cannot be converted is not sent (DEL must not fail on it). */
function callerResult(result: CniResult, list: NetworkConfigList): CniResult | undefined {
  try {
    return convertFor(result, list.cniVersion, list);
  } catch {
    return undefined;
  }
}

/**
 * Forgets the cached result once its plugins' DEL (or IPAM release) succeeded. Best effort, as in
 * libcni: the plugins did their job, so a cache entry that cannot be unlinked (a read-only state
 * disk) is reported (cache-left) and left for CNI GC, which DELs it again (idempotent) and removes
 * it once it can; it never turns a DEL that worked into a failed one. Synchronous: nothing is left
 * running that could land after the next ADD's write.
 */
export async function removeCache(ctx: RuntimeContext, list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
  try {
    await ctx.cache.remove(list.name, rt.containerId, rt.ifName);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    ctx.emit({
      type: "cache-left",
      network: list.name,
      containerId: rt.containerId,
      ifName: rt.ifName,
      path: (err as NodeJS.ErrnoException).path ?? "",
      error,
    });
  }
}
