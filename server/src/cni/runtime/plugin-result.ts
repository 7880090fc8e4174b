// Results between plugins: parse a plugin's ADD output, convert it for the next one.
import type { CniResult, JsonObject, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import { buildPluginConfig } from "../conf/build-plugin-config.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { adoptResult } from "../result/parse-result.js";
import { convertResult } from "../result/convert-result.js";
import { foreignSandbox, withSandbox } from "../result/sandbox.js";
import { resultTextProblem } from "../result/result-bounds.js";
import { src, withContext } from "./error-context.js";
import type { ResolvedPlugin } from "./runtime-context.js";

/** A plugin's ADD stdout → result in the version the plugin reported (or ran at), its sandbox `rt.netns`. */
export function parsePluginResult(
  out: Buffer,
  list: NetworkConfigList,
  plugin: ResolvedPlugin,
  rt: RuntimeConf,
): CniResult {
  const badOutput = (what: string, cause?: unknown): CniError =>
    new CniError({
      kind: "bad-output",
      code: CniErrorCode.DecodeFailure,
      msg: `plugin "${plugin.plugin.type}" ADD printed ${what}`,
      plugin: plugin.plugin.type,
      network: list.name,
      command: "ADD",
      ...src(list),
      ...(cause !== undefined ? { cause } : {}),
    });
  const text = out.toString("utf8");
  // Before parsing: nothing deeper or larger than a result may be is parsed, kept or printed.
  const problem = resultTextProblem(out, text);
  if (problem !== undefined) throw badOutput(problem);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw badOutput(`no valid JSON result: ${JSON.stringify(text.slice(0, 256))}`, err);
  }
  let result: CniResult;
  try {
    const adopted = adoptResult(raw, plugin.version, plugin.plugin.type);
    result = rt.netnsHandle !== undefined ? withSandbox(adopted, rt.netnsHandle, rt.netns) : adopted;
  } catch (err) {
    throw withContext(err, list, plugin.plugin.type, "ADD");
  }
  // Shown and kept as the pod's: an interface in another namespace (the host's, another pod's) is not.
  const foreign = foreignSandbox(result, rt.netns);
  if (foreign !== undefined) throw badOutput(`a result with interface ${foreign}, not in the pod's ${rt.netns}`);
  return result;
}

/** convertResult with the network named on failure. */
export function convertFor(result: CniResult, version: string, list: NetworkConfigList, plugin?: string): CniResult {
  if (result.cniVersion === version) return result;
  try {
    return convertResult(result, version);
  } catch (err) {
    throw withContext(err, list, plugin);
  }
}

/**
 * The config one plugin of an ADD, CHECK or DEL gets: its entry at its negotiated version, with
 * `prev` (when the command carries one at that version) converted to it, and the capability args.
 */
export function configFor(
  list: NetworkConfigList,
  p: ResolvedPlugin,
  rt: RuntimeConf,
  prev: CniResult | undefined,
): JsonObject {
  return buildPluginConfig({
    networkName: list.name,
    cniVersion: p.version,
    plugin: p.plugin,
    ...(prev !== undefined ? { prevResult: convertFor(inSandbox(prev, rt), p.version, list, p.plugin.type) } : {}),
    ...(rt.capabilityArgs !== undefined ? { capabilityArgs: rt.capabilityArgs } : {}),
  });
}

/** What plugins are shown of a kept result: its sandbox the namespace they enter (CNI_NETNS). */
function inSandbox(result: CniResult, rt: RuntimeConf): CniResult {
  return rt.netnsHandle !== undefined ? withSandbox(result, rt.netns, rt.netnsHandle) : result;
}
