// The conflist `netattachctl install` writes for the shim, checked with the shim's own rules
// (client-cni's conf schema and spec versions) so a value the shim would refuse on every ADD is
// refused here, naming the flag, before anything is written.
import { SHIM_CAPABILITIES } from "../../../client-cni/src/runtime-config.js";
import { shimConfIssue, type ShimConfIssue } from "../../../client-cni/src/shim-conf.js";
import { isShimError } from "../../../client-cni/src/shim-error.js";
import { checkVersion } from "../../../client-cni/src/versions.js";
import { quoteInput } from "../../../server/src/errors/bounded-text.js";
import { SHIM_TYPE } from "../../../server/src/resolve/index.js";
import { UsageError } from "../command.js";

/** The daemon's own name for the shim's plugin type (it refuses a network whose chain runs it). */
export { SHIM_TYPE };
export const CONFLIST_NAME = "00-netattach.conflist";
/** Capability args containerd/CRI-O fill in: the ones the shim reads (client-cni's runtime-config). */
export { SHIM_CAPABILITIES };

export interface ShimSettings {
  readonly socket: string;
  readonly cniVersion: string;
  readonly readinessTimeoutMs: number;
  readonly logFile: string | undefined;
  readonly logLevel: string | undefined;
}

/** The install flag behind each key of the plugin conf the shim reads. */
const FLAG_OF_KEY: Readonly<Record<string, string>> = {
  socketPath: "--socket",
  readinessTimeoutMs: "--readiness-timeout-ms",
  logFile: "--log-file",
  logLevel: "--log-level",
  cniVersion: "--cni-version",
};

export function renderConflist(o: ShimSettings, cluster: { name: string; file?: string }): string {
  // containerd 1.6 (libcni 1.1) cannot read 1.1.0 results: cniVersion stays 1.0.0 for it,
  // newer runtimes pick 1.1.0 from cniVersions (and then also call STATUS and GC).
  const versions = [...new Set([o.cniVersion, "1.1.0"])];
  const conflist = {
    cniVersion: o.cniVersion,
    cniVersions: versions,
    name: "netattach",
    plugins: [shimPlugin(o, cluster)],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}

/**
 * Throws a UsageError naming the flag when the shim would refuse the conf these settings make.
 * `typed` gives a flag's text as given, so the error quotes that rather than its parsed value.
 */
export function checkShimSettings(o: ShimSettings, typed: (flag: string) => string | undefined): void {
  // What libcni hands the shim: the plugin with the list's cniVersion and name injected.
  const pluginConf = { cniVersion: o.cniVersion, name: "netattach", ...shimPlugin(o, { name: "-" }) };
  const issue = shimPluginIssue(pluginConf);
  if (issue === undefined) return;
  const flag = FLAG_OF_KEY[issue.key] ?? issue.key;
  const value = typed(flag) ?? pluginConf[issue.key as keyof typeof pluginConf];
  throw new UsageError(`${flag} ${quoteInput(value)}: ${issue.message}`, issue.cause ? { cause: issue.cause } : {});
}

/** Why the shim would refuse this plugin conf (as libcni hands it over) on every call; undefined when it takes it. */
export function shimPluginIssue(
  pluginConf: Readonly<Record<string, unknown>>,
): (ShimConfIssue & { cause?: unknown }) | undefined {
  const issue = shimConfIssue(pluginConf);
  if (issue !== undefined) return issue;
  try {
    checkVersion("ADD", String(pluginConf["cniVersion"]));
  } catch (err) {
    if (!isShimError(err)) throw err;
    return { key: "cniVersion", message: `${err.msg} (${err.details})`, cause: err };
  }
  return undefined;
}

function shimPlugin(o: ShimSettings, cluster: { name: string; file?: string }): Record<string, unknown> {
  return {
    type: SHIM_TYPE,
    socketPath: o.socket,
    readinessTimeoutMs: o.readinessTimeoutMs,
    ...(o.logFile !== undefined ? { logFile: o.logFile } : {}),
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    clusterNetwork: cluster.name,
    ...(cluster.file !== undefined ? { clusterNetworkFile: cluster.file } : {}),
    capabilities: Object.fromEntries(SHIM_CAPABILITIES.map((c) => [c, true])),
  };
}
