// The real PluginExec over node:child_process: stdin in, bounded stdout/stderr out, a
// deadline and an AbortSignal that kill the plugin's whole process group, and a retry
// when the binary is being replaced ("text file busy"). Optionally each plugin is started
// through util-linux `setpriv --pdeathsig KILL`, so it dies with the daemon even when the
// daemon is SIGKILLed, and carries an owner mark that lets the next daemon find and kill
// whatever it started (see leftover-plugins.ts).
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import type { ExecRequest, PluginExec } from "./types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { findInPath } from "./find-in-path.js";
import { createStderrBuffer, createStdoutBuffer } from "./output-buffers.js";
import { pluginError } from "./plugin-error.js";
import { PLUGIN_OWNER_ENV } from "./leftover-plugins.js";
import { setprivExecError } from "./setpriv-exec-error.js";
import { withRetry } from "../../retry/index.js";

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
   * Path of util-linux `setpriv`: each plugin is started as `setpriv --pdeathsig KILL -- <plugin>`,
   * so the kernel kills it when the daemon dies. Absent: plugins are started directly.
   */
  readonly setprivPath?: string;
  /** Put in every plugin's environment as PLUGIN_OWNER_ENV (inherited by what the plugin starts). */
  readonly owner?: string;
  /** Seams for tests. */
  readonly spawn?: typeof nodeSpawn;
  readonly killGroup?: (pid: number) => void;
}

type Stop = "timeout" | "aborted" | "overflow";

export function createSpawnExec(opts: SpawnExecOptions = {}): PluginExec {
  const cfg = {
    maxStdout: opts.maxStdoutBytes ?? 4 * 1024 * 1024,
    maxStderr: opts.maxStderrBytes ?? 64 * 1024,
    spawn: opts.spawn ?? nodeSpawn,
    // detached → the plugin leads a new process group; -pid reaches everything it started.
    killGroup: opts.killGroup ?? ((pid: number) => process.kill(-pid, "SIGKILL")),
    setpriv: opts.setprivPath,
    owner: opts.owner,
  };
  const retries = opts.textBusyRetries ?? 5;
  const backoffMs = opts.textBusyBackoffMs ?? 50;

  return {
    findInPath,
    async exec(req) {
      let retried = 0;
      try {
        return await withRetry(() => runOnce(cfg, req), {
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
  };
}

interface RunConfig {
  maxStdout: number;
  maxStderr: number;
  spawn: typeof nodeSpawn;
  killGroup: (pid: number) => void;
  setpriv: string | undefined;
  owner: string | undefined;
}

function runOnce(cfg: RunConfig, req: ExecRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) return reject(stopError("aborted", req, "", req.signal.reason));
    let child: ChildProcess;
    const env = cfg.owner !== undefined ? { ...req.env, [PLUGIN_OWNER_ENV]: cfg.owner } : req.env;
    const [file, args] =
      cfg.setpriv !== undefined ? [cfg.setpriv, ["--pdeathsig", "KILL", "--", req.path]] : [req.path, []];
    try {
      child = cfg.spawn(file, args, { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    } catch (err) {
      return reject(err);
    }
    const stdout = createStdoutBuffer(cfg.maxStdout);
    const stderr = createStderrBuffer(cfg.maxStderr);
    let stop: Stop | undefined;
    let exited = false;
    let settled = false;

    const kill = (why: Stop): void => {
      stop ??= why;
      if (child.pid === undefined) return;
      try {
        cfg.killGroup(child.pid);
      } catch {
        child.kill("SIGKILL"); // group already gone: make sure the leader is too
      }
      // A grandchild that left the group may hold the pipes open: do not wait for them.
      if (exited) finish(null, "SIGKILL");
    };
    const onAbort = (): void => kill("aborted");
    const timer = setTimeout(() => kill("timeout"), req.timeoutMs);
    req.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnErr?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const text = stderr.text();
      if (text !== "") req.onStderr?.(text);
      const wrapperErr = cfg.setpriv !== undefined ? setprivExecError(code, stdout.bytes().length, text) : undefined;
      if (spawnErr !== undefined) reject(spawnErr);
      else if (wrapperErr !== undefined) reject(wrapperErr);
      else if (stop !== undefined) reject(stopError(stop, req, text, req.signal?.reason, cfg.maxStdout));
      else if (code === 0) resolve(stdout.bytes());
      else
        reject(
          pluginError({
            pluginType: req.pluginType,
            command: req.command,
            stdout: stdout.bytes(),
            stderr: text,
            exitCode: code,
            signal,
          }),
        );
    };

    child.on("error", (err) => finish(null, null, err));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (!stdout.push(chunk)) kill("overflow");
    });
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("exit", () => {
      exited = true;
      if (stop !== undefined) finish(null, "SIGKILL");
    });
    child.on("close", (code, signal) => finish(code, signal));
    child.stdin?.on("error", () => undefined); // EPIPE: the plugin did not read its stdin
    child.stdin?.end(req.stdin);
  });
}

function isTextBusy(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ETXTBSY";
}

function toSpawnError(err: unknown, req: ExecRequest, retried: number): unknown {
  if (err instanceof CniError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const busy = code === "ETXTBSY";
  return new CniError({
    kind: "exec",
    code: busy ? CniErrorCode.TryAgainLater : CniErrorCode.Internal,
    msg: `failed to execute ${req.path}: ${code ?? String(err)}${busy ? ` (text file busy after ${retried} retries)` : ""}`,
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
  return new CniError({
    ...base,
    kind: "bad-output",
    code: CniErrorCode.Internal,
    msg: `plugin "${req.pluginType}" ${req.command} wrote more than ${maxStdout} bytes to stdout and was killed`,
  });
}
