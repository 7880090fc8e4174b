// The cached final ADD result of one attachment, converted to the list's version.
import type { CniResult, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import { convertFor } from "./plugin-result.js";
import type { RuntimeContext } from "./runtime-context.js";

export type CachedResult =
  | { readonly status: "missing" }
  | { readonly status: "corrupt"; readonly path: string; readonly reason: string }
  | { readonly status: "found"; readonly result: CniResult };

/**
 * Read the cache for (network, container, ifname). A corrupt record (unreadable, not a
 * record, or not convertible to the list's version) is reported through onEvent.
 */
export async function loadCachedResult(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  rt: RuntimeConf,
): Promise<CachedResult> {
  const found = await ctx.cache.read(list.name, rt.containerId, rt.ifName);
  if (found.status === "missing") return found;
  let outcome: CachedResult;
  if (found.status === "corrupt") {
    outcome = found;
  } else {
    try {
      outcome = { status: "found", result: convertFor(found.record.result, list.cniVersion, list) };
    } catch (err) {
      outcome = {
        status: "corrupt",
        path: found.path,
        reason: `cached result not convertible to ${list.cniVersion}: ${(err as Error).message}`,
      };
    }
  }
  if (outcome.status === "corrupt") {
    ctx.emit({
      type: "cache-corrupt",
      network: list.name,
      containerId: rt.containerId,
      ifName: rt.ifName,
      path: outcome.path,
      reason: outcome.reason,
    });
  }
  return outcome;
}
