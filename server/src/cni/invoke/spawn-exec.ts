// The real PluginExec: a launcher runs the plugin (netattach-spawner when the daemon has it,
// else node:child_process, optionally through setpriv), and this decides what the run means
// the same way for both: stdin in, bounded stdout/stderr out, a deadline and an AbortSignal
// that kill the plugin's whole process group, a retry when the binary is being replaced
// ("text file busy"), and one error for every way a run can fail. Every plugin carries an
// owner mark that lets the next daemon find and kill whatever it started, and a run mark that
// lets a stopped run's leftovers outside its process group be killed (leftover-plugins.ts).
import type { spawn as nodeSpawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { ExecRequest, PluginExec } from "./types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { findInPath } from "./find-in-path.js";
import { pluginError } from "./plugin-error.js";
import { killMarked, PLUGIN_OWNER_ENV, PLUGIN_RUN_ENV } from "./leftover-plugins.js";
import { withRetry } from "../../retry/index.js";
import type { Launch, LaunchLimits, LaunchResult, Stop } from "./launch.js";
import { createNodeLaunch } from "./node-launch.js";
import { createSpawnerLaunch, SPAWNER_FAILED, type SpawnerLaunch } from "./spawner/spawner-launch.js";

/** How long a stopped run's sweep waits for what it killed to be gone (SIGKILL: a process in D state waits). */
const STOP_SWEEP_WAIT_MS = 1000;

export interface SpawnExecOptions {
  /** Hard limit on stdout; more is a bad-output error. Default 4 MiB. */
  readonly maxStdoutBytes?: number;
  /** Stderr kept (the tail). Default 64 KiB. */
  readonly maxStderrBytes?: number;
  /** Retries on ETXTBSY. Default 5. */
  readonly textBusyRetries?: number;
  /** First backoff after ETXTBSY, doubled per retry. Default 50 ms. */
  readonly textBusyBackoffMs?: number;
  /**
   * Path of netattach-spawner (spawner/netattach-spawner.c): plugins are started by it, with
   * vfork and a parent-death signal, instead of by forking the daemon. Takes precedence over
   * setprivPath.
   */
  readonly spawnerPath?: string;
  /**
   * Path of util-linux `setpriv`, without a spawner: each plugin is started as
   * `setpriv --pdeathsig KILL -- <plugin>`, so the kernel kills it when the daemon dies.
   * Absent (and no spawner): plugins are started directly.
   */
  readonly setprivPath?: string;
  /** Put in every plugin's environment as PLUGIN_OWNER_ENV (inherited by what the plugin starts). */
  readonly owner?: string;
  /** Seams for tests (the node:child_process launcher). */
  readonly spawn?: typeof nodeSpawn;
  readonly killGroup?: (pid: number) => void;
}

/** A PluginExec that holds a process (the spawner) until closed. */
export interface ClosablePluginExec extends PluginExec {
  /** Ends the spawner, if any (its running plugins are killed); later execs start a new one. */
  close(): Promise<void>;
}

export function createSpawnExec(opts: SpawnExecOptions = {}): ClosablePluginExec {
  const limits: LaunchLimits = {
    maxStdout: opts.maxStdoutBytes ?? 4 * 1024 * 1024,
    maxStderr: opts.maxStderrBytes ?? 64 * 1024,
  };
  const spawner =
    opts.spawnerPath !== undefined ? createSpawnerLaunch({ path: opts.spawnerPath, owner: opts.owner }) : undefined;
  const launch: Launch =
    spawner?.launch ??
    createNodeLaunch({
      ...(opts.setprivPath !== undefined ? { setprivPath: opts.setprivPath } : {}),
      ...(opts.spawn !== undefined ? { spawn: opts.spawn } : {}),
      ...(opts.killGroup !== undefined ? { killGroup: opts.killGroup } : {}),
    });
  const owner = opts.owner;
  const retries = opts.textBusyRetries ?? 5;
  const backoffMs = opts.textBusyBackoffMs ?? 50;

  const runOnce = async (req: ExecRequest): Promise<Buffer> => {
    if (req.signal?.aborted) throw stopError("aborted", req, "", req.signal.reason);
    const runId = randomUUID();
    const env = { ...req.env, ...(owner !== undefined ? { [PLUGIN_OWNER_ENV]: owner } : {}), [PLUGIN_RUN_ENV]: runId };
    const run = await launch({ ...req, env }, limits);
    if (run.stderr !== "") req.onStderr?.(run.stderr);
    if (run.stop !== undefined) {
      // The group kill misses what the plugin started in a session of its own (setsid). A scan of
      // /proc costs ~ms per hundred processes: only on this path, never on a run that ended by itself.
      await killMarked(`${PLUGIN_RUN_ENV}=${runId}`, { waitMs: STOP_SWEEP_WAIT_MS }).catch(() => []);
      throw stopError(run.stop, req, run.stderr, req.signal?.reason, limits.maxStdout);
    }
    if (run.code === 0) return run.stdout;
    throw exitError(req, run);
  };

  /** The spawner's link listing, failing the way a plugin run does. */
  const listLinks = async (via: SpawnerLaunch, netns: string, opts: { timeoutMs: number; signal?: AbortSignal }) => {
    const req: ExecRequest = {
      path: "netattach-spawner",
      netns,
      stdin: Buffer.alloc(0),
      env: {},
      timeoutMs: opts.timeoutMs,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      pluginType: "netattach-spawner",
      command: "list links",
    };
    if (req.signal?.aborted) throw stopError("aborted", req, "", req.signal.reason);
    const run = await via.listLinks(netns, req, limits).catch((err: unknown) => {
      throw toSpawnError(err, req, 0);
    });
    if (run.stop !== undefined) throw stopError(run.stop, req, run.stderr, req.signal?.reason, limits.maxStdout);
    if (run.code === 0) return run.stdout;
    throw exitError(req, run);
  };

  return {
    findInPath,
    entersNetns: spawner !== undefined,
    ...(spawner !== undefined ? { listLinks: (netns, opts) => listLinks(spawner, netns, opts) } : {}),
    async exec(req) {
      if (req.netns !== undefined && spawner === undefined)
        throw new TypeError(`${req.path} cannot be run in ${req.netns}: only netattach-spawner enters a netns`);
      let retried = 0;
      try {
        return await withRetry(() => runOnce(req), {
          attempts: retries + 1,
          backoff: { minMs: backoffMs, maxMs: backoffMs * 2 ** retries },
          retryable: isTextBusy,
          onRetry: (_err, attempt) => void (retried = attempt),
          ...(req.signal !== undefined ? { signal: req.signal } : {}),
        });
      } catch (err) {
        if (isTextBusy(err) && req.signal?.aborted) throw stopError("aborted", req, "", req.signal.reason);
        throw toSpawnError(err, req, retried);
      }
    },
    close: async () => spawner?.close(),
  };
}

/** What a run that exited non-zero, or was killed by a signal, means: the plugin's own error when it wrote one. */
function exitError(req: ExecRequest, run: LaunchResult): CniError {
  return pluginError({
    pluginType: req.pluginType,
    command: req.command,
    stdout: run.stdout,
    stderr: run.stderr,
    exitCode: run.code,
    signal: run.signal,
  });
}

function isTextBusy(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ETXTBSY";
}

function toSpawnError(err: unknown, req: ExecRequest, retried: number): unknown {
  if (err instanceof CniError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if ((err as NodeJS.ErrnoException | undefined)?.syscall === "setns")
    return new CniError({
      kind: "exec",
      code: CniErrorCode.Internal,
      msg: `failed to enter network namespace ${req.netns ?? "?"} (for ${req.path}): ${code ?? String(err)}`,
      plugin: req.pluginType,
      command: req.command,
      cause: err,
    });
  const busy = code === "ETXTBSY";
  return new CniError({
    kind: "exec",
    code: busy ? CniErrorCode.TryAgainLater : CniErrorCode.Internal,
    msg: `failed to execute ${req.path}: ${code === SPAWNER_FAILED ? (err as Error).message : (code ?? String(err))}${busy ? ` (text file busy after ${retried} retries)` : ""}`,
    plugin: req.pluginType,
    command: req.command,
    cause: err,
  });
}

function stopError(stop: Stop, req: ExecRequest, stderr: string, reason: unknown, maxStdout = 0): CniError {
  const base = { plugin: req.pluginType, command: req.command, ...(stderr !== "" ? { stderr } : {}) };
  if (stop === "timeout") {
    return new CniError({
      ...base,
      kind: "timeout",
      code: CniErrorCode.TryAgainLater,
      msg: `plugin "${req.pluginType}" ${req.command} did not finish within ${req.timeoutMs} ms and was killed`,
    });
  }
  if (stop === "aborted") {
    return new CniError({
      ...base,
      kind: "aborted",
      code: CniErrorCode.TryAgainLater,
      msg: `plugin "${req.pluginType}" ${req.command} was aborted by the caller`,
      ...(reason !== undefined ? { cause: reason } : {}),
    });
  }
  // Output that cannot be read is a decode failure, as every bad-output is (PLUGIN_BAD_OUTPUT, CNI 6).
  return new CniError({
    ...base,
    kind: "bad-output",
    code: CniErrorCode.DecodeFailure,
    msg: `plugin "${req.pluginType}" ${req.command} wrote more than ${maxStdout} bytes to stdout and was killed`,
  });
}
