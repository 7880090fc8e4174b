// netattach-cni: exactly a CNI plugin. VERSION is answered here; ADD, DEL, CHECK, GC and
// STATUS go to netattachd. Returns what to print on stdout (the result, or the error
// object) and the exit code; main.ts does the printing.
import { callDaemon, type Clock } from "./call-policy.js";
import { parseCniEnv, readCommand, type CniEnv } from "./cni-env.js";
import type { DaemonClient, DaemonConnection } from "./daemon-client.js";
import { toShimError } from "./error-mapping.js";
import { createLogger, type Logger } from "./logger.js";
import { toAttachRequest, toCheckRequest, toDetachRequest, toGcRequest } from "./request-mapping.js";
import { parseShimConf, peekCniVersion, type ShimConf } from "./shim-conf.js";
import { CniCode, ShimError } from "./shim-error.js";
import { checkVersion, LATEST_VERSION, versionAnswer } from "./versions.js";

export interface ShimDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
  connect(socketPath: string): DaemonConnection;
  /** Where log lines go: the conf's logFile, or stderr when there is none. */
  logSink(logFile: string | undefined): (line: string) => void;
  readonly clock: Clock;
}

export interface ShimOutcome {
  readonly stdout: string;
  readonly exitCode: 0 | 1;
}

export async function runShim(deps: ShimDeps): Promise<ShimOutcome> {
  let stdin: string;
  let cniVersion = LATEST_VERSION;
  let log: Logger = createLogger(deps.logSink(undefined), "warn", deps.clock.now);
  try {
    const command = readCommand(deps.env);
    try {
      stdin = await deps.readStdin();
    } catch (err) {
      throw new ShimError(CniCode.IoFailure, "error reading network configuration from stdin", (err as Error).message, { cause: err });
    }
    cniVersion = peekCniVersion(stdin) ?? LATEST_VERSION;
    if (command === "VERSION") return { stdout: JSON.stringify(versionAnswer(peekCniVersion(stdin))), exitCode: 0 };

    const env = parseCniEnv(deps.env);
    const conf = parseShimConf(stdin);
    checkVersion(command, conf.cniVersion);
    log = createLogger(deps.logSink(conf.logFile), conf.logLevel, deps.clock.now).child({ command, containerId: env.containerId || undefined, ifName: env.ifName || undefined });
    const conn = deps.connect(conf.socketPath);
    try {
      const started = deps.clock.now();
      const stdout = await dispatch(env, conf, conn.client, deps.clock, log);
      log.info("done", { ms: deps.clock.now() - started });
      return { stdout, exitCode: 0 };
    } finally {
      conn.close();
    }
  } catch (err) {
    const shimErr = err instanceof ShimError ? err : toShimError(err, { socketPath: "", unreachableCode: CniCode.TryAgainLater });
    log.error(shimErr.msg, { code: shimErr.code, details: shimErr.details || undefined });
    return { stdout: JSON.stringify(shimErr.toSpecJSON(cniVersion)), exitCode: 1 };
  }
}

async function dispatch(env: CniEnv, conf: ShimConf, client: DaemonClient, clock: Clock, log: Logger): Promise<string> {
  switch (env.command) {
    case "ADD": {
      // Built before anything waits: bad input fails at once, not after the readiness wait.
      const req = toAttachRequest(env, conf);
      const res = await callDaemon("ADD", client, conf, clock, log, (o) => client.attachNetworks(req, o));
      log.info("attached", { interfaces: res.interfaces.map((i) => `${i.network}:${i.interface}`).join(",") });
      return primaryResult(res.primaryResultJson, conf.cniVersion);
    }
    case "DEL":
      await callDaemon("DEL", client, conf, clock, log, (o) => client.detachNetworks(toDetachRequest(env), o));
      return "";
    case "CHECK":
      await callDaemon("CHECK", client, conf, clock, log, (o) => client.checkNetworks(toCheckRequest(env), o));
      return "";
    case "GC": {
      const res = await callDaemon("GC", client, conf, clock, log, (o) => client.garbageCollect(toGcRequest(conf), o));
      if (res.errors.length > 0) throw new ShimError(CniCode.TryAgainLater, `garbage collection left ${res.errors.length} error(s)`, res.errors.join("; "));
      return "";
    }
    case "STATUS": {
      const res = await callDaemon("STATUS", client, conf, clock, log, (o) => client.getStatus({}, o));
      if (!res.ready) throw new ShimError(CniCode.PluginNotAvailable, `netattachd at ${conf.socketPath} is not ready`, res.reasons.join("; "));
      const net = res.clusterNetwork;
      if (net !== undefined && !net.ok) throw new ShimError(net.cniCode ?? CniCode.PluginNotAvailable, `cluster network "${net.name}" is not available`, net.message);
      return "";
    }
    case "VERSION":
      return JSON.stringify(versionAnswer(conf.cniVersion));
  }
}

/** The cluster network's result; the daemon converts it to our caller's version — check it did. */
function primaryResult(json: string, cniVersion: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ShimError(CniCode.Internal, "netattachd returned an unparsable primary result", json.slice(0, 200), { cause: err });
  }
  const got = (parsed as { cniVersion?: unknown } | null)?.cniVersion;
  if (got !== cniVersion) {
    throw new ShimError(CniCode.Internal, `netattachd returned a result in version ${String(got)}, not the configured ${cniVersion}`);
  }
  return json;
}
