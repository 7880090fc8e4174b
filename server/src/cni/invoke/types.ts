// How a plugin is executed: the one exec seam (libcni invoke.Exec) and the options every
// operation takes.
import type { CniResult } from "../spec/types.js";

/** Options every operation takes. */
export interface InvokeOptions {
  /** Aborts the operation and kills any running plugin. */
  readonly signal?: AbortSignal;
  /** Per-plugin-invocation deadline; overrides the runtime default. */
  readonly pluginTimeoutMs?: number;
  /**
   * The time (ms) a plugin run may take, asked before each run with how many runs of the operation
   * are still to come after it (a DEL's earlier plugins; for the wait for a plugin's VERSION, its own
   * run and those): a run's timeout is the smaller of it and the per-run deadline, and with nothing
   * left the run does not start (a timeout). For a caller with a deadline of its own, so that every
   * run ends before it does and one that hangs cannot take the time of the runs after it.
   */
  readonly timeLeftMs?: (runsAfter: number) => number;
  /**
   * ADD: fsync the cached result before returning (default true). False when the caller
   * saves the result durably itself right away: the cache is still replaced atomically, but
   * a power loss may lose it (DEL then takes `prevResult` below, or runs without one).
   */
  readonly durableCache?: boolean;
  /** DEL: the final ADD result (in the list's version or convertible to it) to send as prevResult when the cache holds none. */
  readonly prevResult?: CniResult;
  /**
   * DEL: after a plugin's DEL fails (or its binary cannot be found), still run the DELs of the
   * plugins before it, then throw the first failure (the cache stays). For cleanup paths: one
   * broken plugin must not leave what the others would remove. Default false: libcni stops there.
   */
  readonly keepGoing?: boolean;
}

/** The one exec seam (libcni invoke.Exec). Unit tests use a fake. */
export interface PluginExec {
  /**
   * Run the plugin binary at `path` with `stdin` and `env`; resolve with stdout bytes on
   * exit 0; reject with CniError (kind plugin-failed/timeout/aborted/exec/bad-output).
   */
  exec(req: ExecRequest): Promise<Buffer>;
  /** Locate `type` in `dirs`; reject with CniError kind plugin-not-found / plugin-type-invalid. */
  findInPath(type: string, dirs: readonly string[]): Promise<string>;
  /** True when `exec` takes ExecRequest.netns (netattach-spawner enters it); false: it refuses one. */
  readonly entersNetns?: boolean;
  /**
   * netattach-spawner only: the links of the netns at `netns` as `ip -j link show` JSON (ifname,
   * address, altnames), listed by a child of the spawner that enters it and asks the kernel, with
   * no exec. Rejects as `exec` does (CniError).
   */
  readonly listLinks?: (
    netns: string,
    opts: { readonly timeoutMs: number; readonly signal?: AbortSignal },
  ) => Promise<Buffer>;
}

export interface ExecRequest {
  readonly path: string;
  /** Arguments after the path: none for a plugin (CNI passes everything in the environment); netattach's own commands (commandRunner) take them. */
  readonly args?: readonly string[];
  /** Run it in this network namespace (a path, as `nsenter --net` takes): only where PluginExec.entersNetns. */
  readonly netns?: string;
  readonly stdin: Buffer;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** For error messages. */
  readonly pluginType: string;
  readonly command: string;
  /** Called once with the plugin's (bounded) stderr when the run ends, success or not. */
  readonly onStderr?: (stderr: string) => void;
}
