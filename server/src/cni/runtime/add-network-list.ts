// ADD: plugins in order, each given the previous result converted to its version; halt at
// the first error (no rollback here — see add-with-rollback.ts); cache the final result.
import type { CniResult, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import type { InvokeOptions } from "../invoke/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { formatCniArgs } from "../spec/cni-args.js";
import { supportsChaining } from "../spec/version.js";
import { CACHE_RECORD_KIND } from "./result-cache.js";
import { configFor, convertFor, parsePluginResult } from "./plugin-result.js";
import { src, withContext } from "./error-context.js";
import {
  invokePlugin,
  resolvePlugins,
  type ResolvedPlugin,
  type AttachmentOperation,
  type RuntimeContext,
} from "./runtime-context.js";
import { validateAttachment } from "./validate-attachment.js";
import { describeIoError } from "./io-error.js";

export const addNetworkList: AttachmentOperation<CniResult> = async (ctx, list, rt, opts) => {
  validateAttachment(list, rt, "ADD");
  const cniArgs = cniArgsFor(list, rt, "ADD");
  const plugins = await resolvePlugins(ctx, list, opts);
  // The cache file's temp file is created while the plugins run, off the critical path.
  const pending = ctx.cache.reserve(list.name, rt.containerId, rt.ifName);
  let result: CniResult;
  try {
    result = await runPlugins(ctx, plugins, list, rt, cniArgs, opts);
  } catch (err) {
    await pending.discard();
    throw err;
  }
  try {
    await pending.commit(
      {
        kind: CACHE_RECORD_KIND,
        containerId: rt.containerId,
        ifName: rt.ifName,
        networkName: list.name,
        netns: rt.netns,
        config: list.raw,
        cniArgs: rt.args ?? [],
        capabilityArgs: rt.capabilityArgs ?? {},
        result,
      },
      { sync: opts?.durableCache !== false },
    );
  } catch (err) {
    throw new CniError({
      kind: "cache",
      code: CniErrorCode.IoFailure,
      msg: `ADD succeeded but its result could not be cached: ${describeIoError(err)}`,
      network: list.name,
      command: "ADD",
      ...src(list),
      cause: err,
    });
  }
  return result;
};

/** Each plugin in order, given the previous result; the last result in the list's version. */
async function runPlugins(
  ctx: RuntimeContext,
  plugins: readonly ResolvedPlugin[],
  list: NetworkConfigList,
  rt: RuntimeConf,
  cniArgs: string,
  opts: InvokeOptions | undefined,
): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const p of plugins) {
    const config = configFor(list, p, rt, supportsChaining(p.version) ? prev : undefined);
    const out = await invokePlugin(ctx, { list, plugin: p, command: "ADD", config, rt, cniArgs, opts });
    prev = parsePluginResult(out, list, p, rt);
  }
  return convertFor(prev!, list.cniVersion, list);
}

export function cniArgsFor(list: NetworkConfigList, rt: RuntimeConf, command: string): string {
  try {
    return formatCniArgs(rt.args ?? []);
  } catch (err) {
    throw withContext(err, list, undefined, command);
  }
}
