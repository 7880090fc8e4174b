// GC (libcni GCNetworkList): skipped with disableGC. First DEL every cached attachment of
// this network that is not in validAttachments (with its cached args and capability args, in the
// namespace the caller's pinStale hands back: the cached path may have been re-pointed since), then, for ≥1.1.0 lists, send GC to every plugin that can take it.
// Continues past errors; one error is rethrown as is, several become one CniError.
import type { Attachment, GcArgs, NetworkConfigList } from "../spec/types.js";
import type { GcOptions } from "./types.js";
import type { CniError } from "../spec/errors.js";
import { validateNetworkName } from "../spec/validate.js";
import { supportsGcAndStatus } from "../spec/version.js";
import { buildGcConfig } from "../conf/build-plugin-config.js";
import { delNetworkList } from "./del-network-list.js";
import { combineErrors, withContext } from "./error-context.js";
import { invokePlugin, resolvePlugins, type ResolvedPlugin, type RuntimeContext } from "./runtime-context.js";

export async function gcNetworkList(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  args: GcArgs,
  opts?: GcOptions,
): Promise<void> {
  if (list.disableGC) return;
  try {
    validateNetworkName(list.name, list.source);
  } catch (err) {
    throw withContext(err, list, undefined, "GC");
  }
  const errors: CniError[] = [];
  const valid = args.validAttachments === undefined ? undefined : new Set(args.validAttachments.map(key));
  for (const entry of await ctx.cache.list(list.name)) {
    if (entry.status === "corrupt") {
      ctx.emit({
        type: "cache-corrupt",
        network: list.name,
        containerId: "",
        ifName: "",
        path: entry.path,
        reason: entry.reason,
      });
      continue;
    }
    const r = entry.record;
    if (valid?.has(key(r)) === true) continue;
    try {
      const pin =
        opts?.pinStale === undefined
          ? { handle: r.netns, release: () => undefined }
          : await opts.pinStale(
              { containerId: r.containerId, ifName: r.ifName, netns: r.netns, result: r.result },
              opts.signal,
            );
      try {
        await delNetworkList(
          ctx,
          list,
          {
            containerId: r.containerId,
            netns: pin === undefined ? "" : r.netns,
            ...(pin !== undefined && pin.handle !== r.netns ? { netnsHandle: pin.handle } : {}),
            ifName: r.ifName,
            args: r.cniArgs,
            capabilityArgs: r.capabilityArgs,
          },
          opts,
        );
      } finally {
        pin?.release();
      }
    } catch (err) {
      errors.push(withContext(err, list, undefined, "DEL"));
    }
  }
  if (supportsGcAndStatus(list.cniVersion)) {
    let plugins: ResolvedPlugin[] = [];
    try {
      plugins = await resolvePlugins(ctx, list, opts);
    } catch (err) {
      errors.push(withContext(err, list, undefined, "GC"));
    }
    for (const p of plugins) {
      if (!supportsGcAndStatus(p.version)) {
        ctx.emit({
          type: "plugin-skipped",
          command: "GC",
          plugin: p.plugin.type,
          network: list.name,
          cniVersion: p.version,
          reason: "GC needs CNI 1.1.0",
        });
        continue;
      }
      const config = buildGcConfig({
        networkName: list.name,
        cniVersion: p.version,
        plugin: p.plugin,
        ...(args.validAttachments !== undefined ? { validAttachments: args.validAttachments } : {}),
      });
      try {
        await invokePlugin(ctx, { list, plugin: p, command: "GC", config, opts });
      } catch (err) {
        errors.push(withContext(err, list, p.plugin.type, "GC"));
      }
    }
  }
  const combined = combineErrors(errors, list, "GC", "GC");
  if (combined !== undefined) throw combined;
}

function key(a: Attachment): string {
  return `${a.containerId}\0${a.ifName}`;
}
