// CHECK: only for ≥0.4.0 lists, not with disableCheck, and only after an ADD: plugins in
// order with the cached final ADD result as prevResult; halt at the first error.
// No cached ADD → kind "invalid-args", code 3 (spec: "container unknown"): the spec forbids
// CHECK of a container that was never ADDed, and running it without prevResult would
// make plugins check nothing. A corrupt cache → kind "cache", code 3, for the same reason.
import { CniError, CniErrorCode } from "../spec/errors.js";
import { supportsCheck } from "../spec/version.js";
import { cniArgsFor } from "./add-network-list.js";
import { loadCachedResult } from "./cached-result.js";
import { configFor } from "./plugin-result.js";
import { src } from "./error-context.js";
import { invokePlugin, resolvePlugins, type AttachmentOperation } from "./runtime-context.js";
import { validateAttachment } from "./validate-attachment.js";

export const checkNetworkList: AttachmentOperation<void> = async (ctx, list, rt, opts) => {
  const where = { network: list.name, command: "CHECK", ...src(list) };
  if (!supportsCheck(list.cniVersion)) {
    throw new CniError({
      ...where,
      kind: "incompatible-version",
      code: CniErrorCode.IncompatibleVersion,
      msg: `configuration version "${list.cniVersion}" does not support the CHECK command`,
    });
  }
  if (list.disableCheck) return;
  validateAttachment(list, rt, "CHECK");
  const cniArgs = cniArgsFor(list, rt, "CHECK");
  const cached = await loadCachedResult(ctx, list, rt);
  if (cached.status === "missing") {
    throw new CniError({
      ...where,
      kind: "invalid-args",
      code: CniErrorCode.UnknownContainer,
      msg: `no cached ADD result for container "${rt.containerId}" interface "${rt.ifName}": CHECK needs a prior ADD`,
    });
  }
  if (cached.status === "corrupt") {
    throw new CniError({
      ...where,
      kind: "cache",
      code: CniErrorCode.UnknownContainer,
      msg: `cached ADD result for container "${rt.containerId}" interface "${rt.ifName}" is unusable (${cached.reason}): ${cached.path}`,
    });
  }
  const plugins = await resolvePlugins(ctx, list, opts);
  for (const p of plugins) {
    if (!supportsCheck(p.version)) {
      ctx.emit({
        type: "plugin-skipped",
        command: "CHECK",
        plugin: p.plugin.type,
        network: list.name,
        cniVersion: p.version,
        reason: "CHECK needs CNI 0.4.0",
      });
      continue;
    }
    const config = configFor(list, p, rt, cached.result);
    await invokePlugin(ctx, { list, plugin: p, command: "CHECK", config, rt, cniArgs, opts });
  }
};
