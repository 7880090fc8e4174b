// What netattach can still release when a network's DEL failed: its addresses. Each plugin of the
// list that names an IPAM plugin has that IPAM plugin run with CNI_COMMAND=DEL and the plugin's own
// config (what the plugin itself does on DEL, libcni ipam.ExecDel), in reverse order; then the
// cached result goes. It goes on past errors, and keeps the cache when one failed, so it can be
// retried. An empty netns is fine: IPAM plugins release by container id and interface.
import type { PluginConf } from "../spec/types.js";
import type { CniError } from "../spec/errors.js";
import { sendsPrevResultOnDel } from "../spec/version.js";
import { buildPluginConfig } from "../conf/build-plugin-config.js";
import { cniArgsFor } from "./add-network-list.js";
import { removeCache, resultForDel } from "./del-network-list.js";
import { combineErrors, withContext } from "./error-context.js";
import { convertFor } from "./plugin-result.js";
import { invokePlugin, resolvePlugin, type AttachmentOperation } from "./runtime-context.js";
import { validateAttachment } from "./validate-attachment.js";

/** The IPAM plugin type a plugin conf names, if any. */
export function ipamTypeOf(plugin: PluginConf): string | undefined {
  const ipam = plugin["ipam"];
  if (ipam === null || typeof ipam !== "object" || Array.isArray(ipam)) return undefined;
  const type = (ipam as { type?: unknown }).type;
  return typeof type === "string" && type !== "" ? type : undefined;
}

export const releaseNetworkList: AttachmentOperation<void> = async (ctx, list, rt, opts) => {
  validateAttachment(list, rt, "DEL");
  const cniArgs = cniArgsFor(list, rt, "DEL");
  const prev = await resultForDel(ctx, list, rt, opts);
  const errors: CniError[] = [];
  const ipams = list.plugins.flatMap((plugin) => {
    const type = ipamTypeOf(plugin);
    return type === undefined ? [] : [{ plugin, ipamType: type }];
  });
  for (const [i, { plugin, ipamType }] of [...ipams.entries()].reverse()) {
    try {
      // In reverse: the IPAM plugin at index i has i runs after its own (InvokeOptions.timeLeftMs).
      const ipam = await resolvePlugin(ctx, list, { type: ipamType }, opts, i + 1);
      const prevResult =
        prev !== undefined && sendsPrevResultOnDel(ipam.version)
          ? convertFor(prev, ipam.version, list, ipamType)
          : undefined;
      const config = buildPluginConfig({
        networkName: list.name,
        cniVersion: ipam.version,
        plugin,
        ...(prevResult !== undefined ? { prevResult } : {}),
        ...(rt.capabilityArgs !== undefined ? { capabilityArgs: rt.capabilityArgs } : {}),
      });
      await invokePlugin(ctx, { list, plugin: ipam, command: "DEL", config, rt, cniArgs, opts, runsAfter: i });
    } catch (err) {
      errors.push(withContext(err, list, ipamType, "DEL"));
    }
  }
  const combined = combineErrors(errors, list, "DEL", "IPAM release");
  if (combined !== undefined) throw combined;
  await removeCache(ctx, list, rt);
};
