// createCniRuntime: the libcni equivalent. It does not serialise anything: the caller must
// not run two operations for one container at once, nor GC next to ADD/DEL (spec §3).
import type { CniRuntime, CniRuntimeOptions } from "./types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { addNetworkList } from "./add-network-list.js";
import { loadCachedResult } from "./cached-result.js";
import { checkNetworkList } from "./check-network-list.js";
import { delNetworkList } from "./del-network-list.js";
import { gcNetworkList } from "./gc-network-list.js";
import { createResultCache } from "./result-cache.js";
import type { RuntimeContext } from "./runtime-context.js";
import { getStatusNetworkList } from "./status-network-list.js";
import { validateAttachment } from "./validate-attachment.js";
import { validateNetworkList } from "./validate-network-list.js";
import { releaseNetworkList } from "./release-network-list.js";
import { cachedNetworks } from "./cached-networks.js";
import { createVersionProbe } from "./version-probe.js";

export function createCniRuntime(o: CniRuntimeOptions): CniRuntime {
  const probe = createVersionProbe({
    exec: o.exec,
    binDirs: o.binDirs,
    timeoutMs: o.pluginTimeoutMs,
    ...(o.path !== undefined ? { path: o.path } : {}),
  });
  const ctx: RuntimeContext = {
    exec: o.exec,
    binDirs: o.binDirs,
    path: o.path,
    pluginTimeoutMs: o.pluginTimeoutMs,
    cache: createResultCache(o.cacheDir),
    probe: o.negotiateVersions === false ? undefined : probe,
    emit: o.onEvent ?? (() => undefined),
    now: o.now ?? (() => performance.now()),
  };
  return {
    addNetworkList: (list, rt, opts) => addNetworkList(ctx, list, rt, opts),
    checkNetworkList: (list, rt, opts) => checkNetworkList(ctx, list, rt, opts),
    delNetworkList: (list, rt, opts) => delNetworkList(ctx, list, rt, opts),
    gcNetworkList: (list, args, opts) => gcNetworkList(ctx, list, args, opts),
    getStatusNetworkList: (list, opts) => getStatusNetworkList(ctx, list, opts),
    validateNetworkList: (list, opts) => validateNetworkList(ctx, list, opts),
    async getVersionInfo(pluginType, opts) {
      const path = await o.exec.findInPath(pluginType, o.binDirs);
      const outcome = await probe.probe(path, pluginType, opts);
      if (!outcome.ok) throw outcome.error;
      return outcome.info;
    },
    async getCachedResult(list, rt) {
      validateAttachment(list, rt, "CACHE");
      const cached = await loadCachedResult(ctx, list, rt);
      if (cached.status === "missing") return undefined;
      if (cached.status === "found") return cached.result;
      throw new CniError({
        kind: "cache",
        code: CniErrorCode.IoFailure,
        msg: `cached result is unusable (${cached.reason}): ${cached.path}`,
        network: list.name,
      });
    },
    async getCachedAttachments(networkName) {
      const entries = await ctx.cache.list(networkName);
      return entries.flatMap((e) =>
        e.status === "found" ? [{ containerId: e.record.containerId, ifName: e.record.ifName }] : [],
      );
    },
    getCachedNetworks: () => cachedNetworks(ctx),
    releaseNetworkList: (list, rt, opts) => releaseNetworkList(ctx, list, rt, opts),
    sweepCache: () => ctx.cache.sweep(),
  };
}
