// netattach-cni: exactly a CNI plugin. VERSION is answered here; ADD, DEL, CHECK, GC and
// STATUS go to netattachd (daemon-command.ts, loaded only then: VERSION and bad
// invocations never pay for the client). Returns what to print on stdout (the result,
// or the error object) and the exit code; main.ts does the printing.
import { answerAsDelegate } from "./as-delegate.js";
import type { Clock } from "./call-policy.js";
import { parseCniEnv, readCommand } from "./cni-env.js";
import type { DaemonClient } from "./daemon-client.js";
import { createLogger, type Logger } from "./logger.js";
import { MAX_STDIN_BYTES, parseShimConf, parseShimConfForDel, peekCniVersion } from "./shim-conf.js";
import { CniErrorCode } from "../../server/src/cni/spec/index.js";
import { ShimError } from "./shim-error.js";
import { checkVersion, LATEST_VERSION, versionAnswer } from "./versions.js";

export interface ShimDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This binary's path, which names it when it refuses to run as netattachd's delegate. */
  readonly selfPath: string;
  /** stdin as text; undefined when it is longer than `maxBytes` (the rest is not read). */
  readStdin(maxBytes: number): Promise<string | undefined>;
  /** Loads the client (protobuf codecs, Connect), only for commands that need it. */
  loadClient(): Promise<(socketPath: string) => DaemonClient>;
  /** Where log lines go: the conf's logFile, or stderr when there is none. */
  logSink(logFile: string | undefined): (line: string) => void;
  readonly clock: Clock;
}

export interface ShimOutcome {
  readonly stdout: string;
  readonly exitCode: 0 | 1;
}

export async function runShim(deps: ShimDeps): Promise<ShimOutcome> {
  let stdin: string | undefined;
  let cniVersion = LATEST_VERSION;
  let log: Logger = createLogger(deps.logSink(undefined), "warn", deps.clock.now);
  try {
    const command = readCommand(deps.env);
    // A daemon command loads its code while stdin is read (Bun reads it on another thread).
    const daemonCode =
      command === "VERSION" ? undefined : Promise.all([import("./daemon-command.js"), deps.loadClient()]);
    daemonCode?.catch(() => undefined); // Reported where it is awaited.
    try {
      stdin = await deps.readStdin(MAX_STDIN_BYTES);
    } catch (err) {
      throw new ShimError(
        CniErrorCode.IoFailure,
        "error reading network configuration from stdin",
        (err as Error).message,
        { cause: err },
      );
    }
    const peeked = stdin === undefined ? undefined : peekCniVersion(stdin);
    cniVersion = peeked ?? LATEST_VERSION;
    const asDelegate = answerAsDelegate(deps.env, command, deps.selfPath);
    if (asDelegate !== undefined) return { stdout: asDelegate, exitCode: 0 };
    if (daemonCode === undefined) return { stdout: JSON.stringify(versionAnswer(peeked)), exitCode: 0 };

    const env = parseCniEnv(deps.env);
    // ADD, CHECK, GC and STATUS refuse what does not read; DEL drops it and goes on (parseShimConfForDel).
    const { conf, dropped } =
      command === "DEL" ? parseShimConfForDel(stdin) : { conf: parseShimConf(stdin), dropped: [] };
    try {
      checkVersion(command, conf.cniVersion);
    } catch (err) {
      if (command !== "DEL" || !(err instanceof ShimError)) throw err;
      dropped.push({ key: "cniVersion", message: err.msg }); // DEL sends no version to the daemon
    }
    log = createLogger(deps.logSink(conf.logFile), conf.logLevel, deps.clock.now).child({
      command,
      containerId: env.containerId || undefined,
      ifName: env.ifName || undefined,
    });
    for (const { key, message } of dropped)
      log.warn("DEL ignores a conf key it cannot read", { key, problem: message });
    const [{ runDaemonCommand }, clientFor] = await daemonCode;
    return { stdout: await runDaemonCommand(env, conf, clientFor(conf.socketPath), deps.clock, log), exitCode: 0 };
  } catch (err) {
    // Daemon failures arrive mapped; anything else here is a bug of ours.
    const shimErr =
      err instanceof ShimError
        ? err
        : new ShimError(
            CniErrorCode.Internal,
            "netattach-cni internal error",
            err instanceof Error ? err.message : String(err),
            { cause: err },
          );
    log.error(shimErr.msg, { code: shimErr.code, details: shimErr.details || undefined });
    return { stdout: JSON.stringify(shimErr.toSpecJSON(cniVersion)), exitCode: 1 };
  }
}
