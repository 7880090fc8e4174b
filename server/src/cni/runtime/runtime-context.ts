// What every operation shares: the exec seam, the cache, version negotiation, and the
// two steps every operation repeats — resolve a plugin, run it once (with an event).
import type { JsonObject, NetworkConfigList, PluginConf, RuntimeConf } from "../spec/types.js";
import type { InvokeOptions, PluginExec } from "../invoke/types.js";
import type { RuntimeEvent } from "./types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { negotiatePluginVersion } from "../spec/version.js";
import { buildCniEnv } from "../invoke/cni-env.js";
import { encodeConfig } from "../conf/build-plugin-config.js";
import type { ResultCache } from "./result-cache.js";
import type { VersionProbe } from "./version-probe.js";
import { src, withContext } from "./error-context.js";

/** One operation on a network list for one attachment: ADD, CHECK, DEL, or the release of what a DEL left. */
export type AttachmentOperation<T> = (
  ctx: RuntimeContext,
  list: NetworkConfigList,
  rt: RuntimeConf,
  opts?: InvokeOptions,
) => Promise<T>;

export interface RuntimeContext {
  readonly exec: PluginExec;
  readonly binDirs: readonly string[];
  readonly path: string | undefined;
  readonly pluginTimeoutMs: number;
  readonly cache: ResultCache;
  /** Undefined: no VERSION probing, every plugin runs at the list's version (libcni). */
  readonly probe: VersionProbe | undefined;
  readonly emit: (event: RuntimeEvent) => void;
  readonly now: () => number;
}

export interface ResolvedPlugin {
  readonly plugin: PluginConf;
  readonly path: string;
  /** The version this plugin runs at: the list's, or the highest compatible one it supports. */
  readonly version: string;
}

/** Find every plugin and negotiate its version before anything runs (every run comes after the probes). */
export function resolvePlugins(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  opts: InvokeOptions | undefined,
): Promise<ResolvedPlugin[]> {
  if (list.plugins.length === 0) {
    throw new CniError({
      kind: "invalid-config",
      code: CniErrorCode.InvalidNetworkConfig,
      msg: "no plugins in network configuration list",
      network: list.name,
      ...src(list),
    });
  }
  return Promise.all(list.plugins.map((plugin) => resolvePlugin(ctx, list, plugin, opts, list.plugins.length)));
}

export async function resolvePlugin(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  plugin: PluginConf,
  opts: InvokeOptions | undefined,
  /** The operation's runs still to come once its VERSION is known (InvokeOptions.timeLeftMs). */
  runsAfter = 0,
): Promise<ResolvedPlugin> {
  try {
    const path = await ctx.exec.findInPath(plugin.type, ctx.binDirs);
    if (ctx.probe === undefined) return { plugin, path, version: list.cniVersion };
    // Asked only when the answer is not known yet: the probe's wait is budgeted like a run.
    const budget = (): number => runTimeout(ctx, list, plugin.type, "VERSION", opts, runsAfter);
    const outcome = await ctx.probe.probe(path, plugin.type, opts, budget);
    if (!outcome.ok) {
      ctx.emit({ type: "version-probe-failed", plugin: plugin.type, network: list.name, path, error: outcome.error });
      return { plugin, path, version: list.cniVersion };
    }
    const supported = outcome.info.supportedVersions;
    const version = negotiatePluginVersion(list.cniVersion, supported);
    if (version === undefined) {
      throw new CniError({
        kind: "incompatible-version",
        code: CniErrorCode.IncompatibleVersion,
        msg: `plugin "${plugin.type}" supports CNI versions [${supported.join(", ")}], none compatible with the configuration's cniVersion ${list.cniVersion}`,
      });
    }
    return { plugin, path, version };
  } catch (err) {
    throw withContext(err, list, plugin.type);
  }
}

export interface Invocation {
  readonly list: NetworkConfigList;
  readonly plugin: ResolvedPlugin;
  readonly command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";
  readonly config: JsonObject;
  /** Absent for GC and STATUS (their CNI_* attachment variables are empty). */
  readonly rt?: RuntimeConf;
  readonly cniArgs?: string;
  readonly opts: InvokeOptions | undefined;
  /** The operation's runs still to come after this one (InvokeOptions.timeLeftMs); none when absent. */
  readonly runsAfter?: number;
}

/** Run one plugin once; report it; errors carry network, plugin, command and source. */
export async function invokePlugin(ctx: RuntimeContext, inv: Invocation): Promise<Buffer> {
  const { rt, plugin, list } = inv;
  const env = buildCniEnv({
    command: inv.command,
    binDirs: ctx.binDirs,
    ...(ctx.path !== undefined ? { path: ctx.path } : {}),
    ...(rt !== undefined ? { containerId: rt.containerId, netns: rt.netnsHandle ?? rt.netns, ifName: rt.ifName } : {}),
    ...(inv.cniArgs !== undefined ? { cniArgs: inv.cniArgs } : {}),
  });
  const timeoutMs = runTimeout(ctx, list, plugin.plugin.type, inv.command, inv.opts, inv.runsAfter ?? 0);
  let stderr: string | undefined;
  const started = ctx.now();
  const report = (ok: boolean): void =>
    ctx.emit({
      type: "exec",
      command: inv.command,
      plugin: plugin.plugin.type,
      network: list.name,
      ...(rt !== undefined ? { ifName: rt.ifName, containerId: rt.containerId } : {}),
      cniVersion: plugin.version,
      durationMs: ctx.now() - started,
      ok,
      ...(stderr !== undefined ? { stderr } : {}),
    });
  try {
    const out = await ctx.exec.exec({
      path: plugin.path,
      stdin: encodeConfig(inv.config),
      env,
      timeoutMs,
      ...(inv.opts?.signal ? { signal: inv.opts.signal } : {}),
      pluginType: plugin.plugin.type,
      command: inv.command,
      onStderr: (text) => (stderr = text),
    });
    report(true);
    return out;
  } catch (err) {
    report(false);
    throw withContext(err, list, plugin.plugin.type, inv.command);
  }
}

/**
 * How long one run (or the wait for a plugin's VERSION) may take: the per-run deadline, cut to the
 * operation's time left; throws a timeout when none is left (nothing runs).
 */
function runTimeout(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  type: string,
  command: Invocation["command"] | "VERSION",
  opts: InvokeOptions | undefined,
  runsAfter: number,
): number {
  const perRun = opts?.pluginTimeoutMs ?? ctx.pluginTimeoutMs;
  const left = opts?.timeLeftMs?.(runsAfter);
  if (left === undefined) return perRun;
  if (left < 1) {
    throw withContext(
      new CniError({
        kind: "timeout",
        code: CniErrorCode.TryAgainLater,
        msg: `plugin "${type}" ${command} was not started: no time was left before the call's deadline`,
        plugin: type,
        command,
      }),
      list,
      type,
      command,
    );
  }
  return Math.min(perRun, Math.floor(left));
}
