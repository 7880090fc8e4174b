// ADD, DEL, CHECK, GC and STATUS: one call to netattachd each, under the call policy,
// and the daemon's answer turned into what the shim prints (the primary result, or nothing).
import { callDaemon, type Clock } from "./call-policy.js";
import type { CniEnv } from "./cni-env.js";
import type { DaemonClient } from "./daemon-client.js";
import type { Logger } from "./logger.js";
import { checkPrevResult } from "./prev-result.js";
import { toAttachRequest, toCheckRequest, toDetachRequest, toGcRequest } from "./request-mapping.js";
import type { ShimConf } from "./shim-conf.js";
import { CniErrorCode } from "../../server/src/cni/spec/index.js";
import { ShimError } from "./shim-error.js";
import { versionAnswer } from "./versions.js";

/** stdout for a successful command; throws a ShimError otherwise. */
export async function runDaemonCommand(
  env: CniEnv,
  conf: ShimConf,
  client: DaemonClient,
  clock: Clock,
  log: Logger,
): Promise<string> {
  const started = clock.now();
  const stdout = await dispatch(env, conf, client, clock, log);
  log.info("done", { ms: clock.now() - started });
  return stdout;
}

async function dispatch(env: CniEnv, conf: ShimConf, client: DaemonClient, clock: Clock, log: Logger): Promise<string> {
  switch (env.command) {
    case "ADD": {
      // Built before anything waits: bad input fails at once, not after the readiness wait.
      const req = toAttachRequest(env, conf);
      const res = await callDaemon("ADD", conf, clock, log, (o) => client.attachNetworks(req, o));
      log.info("attached", { interfaces: res.interfaces.map((i) => `${i.network}:${i.interface}`).join(",") });
      return primaryResult(res.primaryResultJson, conf.cniVersion);
    }
    case "DEL": {
      const req = toDetachRequest(env, conf, (msg, fields) => log.warn(msg, fields));
      await callDaemon("DEL", conf, clock, log, (o) => client.detachNetworks(req, o));
      return "";
    }
    case "CHECK":
      checkPrevResult(conf);
      await callDaemon("CHECK", conf, clock, log, (o) => client.checkNetworks(toCheckRequest(env), o));
      return "";
    case "GC": {
      const res = await callDaemon("GC", conf, clock, log, (o) => client.garbageCollect(toGcRequest(conf), o));
      if (res.errors.length > 0)
        throw new ShimError(
          CniErrorCode.TryAgainLater,
          `garbage collection left ${res.errors.length} error(s)`,
          res.errors.join("; "),
        );
      return "";
    }
    case "STATUS": {
      const res = await callDaemon("STATUS", conf, clock, log, (o) => client.getStatus({}, o));
      if (!res.ready) {
        // The first reason in the message, as runtimes log msg and not always details.
        const [first, ...more] = res.reasons;
        const why = first === undefined ? "" : `: ${first}${more.length > 0 ? ` (and ${more.length} more)` : ""}`;
        throw new ShimError(
          CniErrorCode.PluginNotAvailable,
          `netattachd at ${conf.socketPath} is not ready${why}`,
          res.reasons.join("; "),
        );
      }
      const net = res.clusterNetwork;
      if (net !== undefined && !net.ok)
        throw new ShimError(
          net.cniCode ?? CniErrorCode.PluginNotAvailable,
          `cluster network "${net.name}" is not available`,
          net.message,
        );
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
    throw new ShimError(CniErrorCode.Internal, "netattachd returned an unparsable primary result", json.slice(0, 200), {
      cause: err,
    });
  }
  const got = (parsed as { cniVersion?: unknown } | null)?.cniVersion;
  if (got !== cniVersion) {
    throw new ShimError(
      CniErrorCode.Internal,
      `netattachd returned a result in version ${String(got)}, not the configured ${cniVersion}`,
    );
  }
  return json;
}
