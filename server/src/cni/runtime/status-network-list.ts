// STATUS (libcni GetStatusNetworkList): a no-op below 1.1.0; else every plugin in order,
// stopping at the first error so its code (50, 51, ...) reaches the caller untouched.
import type { NetworkConfigList } from "../spec/types.js";
import type { InvokeOptions } from "../invoke/types.js";
import { supportsGcAndStatus } from "../spec/version.js";
import { buildPluginConfig } from "../conf/build-plugin-config.js";
import { invokePlugin, resolvePlugins, type RuntimeContext } from "./runtime-context.js";

export async function getStatusNetworkList(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  opts?: InvokeOptions,
): Promise<void> {
  if (!supportsGcAndStatus(list.cniVersion)) return;
  const plugins = await resolvePlugins(ctx, list, opts);
  for (const p of plugins) {
    if (!supportsGcAndStatus(p.version)) {
      ctx.emit({
        type: "plugin-skipped",
        command: "STATUS",
        plugin: p.plugin.type,
        network: list.name,
        cniVersion: p.version,
        reason: "STATUS needs CNI 1.1.0",
      });
      continue;
    }
    const config = buildPluginConfig({ networkName: list.name, cniVersion: p.version, plugin: p.plugin });
    await invokePlugin(ctx, { list, plugin: p, command: "STATUS", config, opts });
  }
}
