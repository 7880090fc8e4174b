// createDaemon(deps) → {start, stop}: the RPC server (gRPC, and Connect for the shim) on a unix
// socket plus an optional gRPC TCP listener, health driven by the domain's readiness, ADD
// refused (NOT_READY) before the first ready and during shutdown, graceful shutdown with a bound
// (event streams end first; calls past it are cancelled and their rollbacks awaited, bounded too),
// and the HTTP listener for metrics and probes (up first, down last, so /healthz answers throughout).
import { chmod, unlink } from "node:fs/promises";
import { HealthState } from "nice-grpc-server-health";
import type { Logger } from "pino";
import { gateAttachOnReadiness, type InFlightCalls } from "./attach/index.js";
import { StartupError } from "./errors/startup-error.js";
import { createEventBus, type EventBus } from "./events/event-bus.js";
import { SERVICE_NAME, createRpcServer } from "./grpc/create-rpc-server.js";
import { prepareUnixSocket } from "./grpc/unix-socket.js";
import { createReadiness } from "./health/readiness.js";
import type { InputLimits } from "./limits/input-limits.js";
import { createHttpEndpoint, type HttpEndpointOptions } from "./metrics/index.js";

/** Something with a lifetime tied to the daemon (the Kubernetes edge). */
export interface Lifecycle {
  /** Named in the log line when its stop() outlasts shutdownRollbackMs. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonDeps {
  readonly socketPath: string;
  /** host:port; absent = no TCP listener. */
  readonly tcpListen?: string;
  /** PEM material of the TCP listener's mutual TLS; required with tcpListen. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa: Buffer };
  /** Request bounds enforced at the gRPC edge; the defaults when absent. */
  readonly limits?: InputLimits;
  /** How long stop() waits for calls in flight before cancelling them. */
  readonly shutdownTimeoutMs: number;
  /**
   * Then how long it waits for the cancelled calls to roll back (ADD, hot-plug) or save what is
   * left (DEL) before it stops the components.
   */
  readonly shutdownRollbackMs: number;
  /**
   * The service it serves, tracked: stop() waits for and cancels every call in flight, the RPCs'
   * and those of the service's other callers (the annotation watcher) alike.
   */
  readonly calls: InFlightCalls;
  readonly log: Logger;
  readonly descriptorSet: Uint8Array;
  /**
   * Taken first in start(), before anything touches the node (one daemon per stateDir); released
   * last in stop(). Refuses by throwing a StartupError.
   */
  readonly lock?: () => Promise<{ release(): Promise<void> }>;
  /** Started before listening, stopped (in reverse) after the servers. */
  readonly lifecycles?: readonly Lifecycle[];
  readonly readinessIntervalMs?: { readonly notReady: number; readonly ready: number };
  /** What WatchEvents serves (a bus nobody emits to when absent); closed at shutdown, which ends the streams. */
  readonly events?: EventBus;
  /** host:port of the HTTP listener (/metrics, /healthz, /readyz) and what /metrics answers; absent = none. */
  readonly http?: Pick<HttpEndpointOptions, "address" | "scrape">;
}

export interface DaemonAddresses {
  readonly socketPath: string;
  readonly tcpPort?: number;
  /** Port of the HTTP listener, when there is one. */
  readonly httpPort?: number;
}

export interface Daemon {
  start(): Promise<DaemonAddresses>;
  /**
   * Stops accepting calls, lets calls in flight finish (bounded), then cancels the rest and waits
   * (bounded) for their rollbacks before stopping the components (bounded too).
   */
  stop(): Promise<StopOutcome>;
}

/** Whether stop() left work for the next start: main exits non-zero then, so a supervisor can tell. */
export interface StopOutcome {
  /** Calls still rolling back at shutdownRollbackMs, plus components that did not stop within it. */
  readonly abandoned: number;
}

export function createDaemon(deps: DaemonDeps): Daemon {
  const log = deps.log;
  const health = HealthState();
  const readiness = createReadiness({
    health,
    services: [SERVICE_NAME],
    log,
    check: (signal) => deps.calls.service.status({ signal, log }),
    ...(deps.readinessIntervalMs ? { intervalMs: deps.readinessIntervalMs } : {}),
  });
  const events = deps.events ?? createEventBus();
  const http = deps.http ? createHttpEndpoint({ ...deps.http, ready: () => readiness.isReady(), log }) : undefined;
  let started: Promise<DaemonAddresses> | undefined;
  let stopping: Promise<StopOutcome> | undefined;
  /** Set once our socket exists: only then is it ours to remove. */
  let ownsSocket = false;
  let lock: { release(): Promise<void> } | undefined;

  const calls = deps.calls;
  const service = gateAttachOnReadiness(calls.service, {
    reached: () => readiness.wasReady(),
    checkNow: () => readiness.checkNow(),
    stopping: () => stopping !== undefined,
  });

  const server = createRpcServer({
    service,
    log,
    health,
    descriptorSet: deps.descriptorSet,
    events,
    ...(deps.limits !== undefined ? { limits: deps.limits } : {}),
  });

  async function start(): Promise<DaemonAddresses> {
    lock = await deps.lock?.();
    // A live daemon on the socket is refused before any component's start-up cleanup runs.
    await prepareUnixSocket(deps.socketPath);
    const httpPort = http ? await listenHttp(http.start) : undefined;
    for (const l of deps.lifecycles ?? []) await l.start();
    await listen(`unix://${deps.socketPath}`, () => server.listenUnix(deps.socketPath));
    ownsSocket = true;
    await chmod(deps.socketPath, 0o600);
    const tcpPort = deps.tcpListen ? await listenTcp(deps.tcpListen) : undefined;
    await readiness.start();
    log.info(
      { socketPath: deps.socketPath, tcpListen: deps.tcpListen, tcpPort, httpPort, ready: readiness.isReady() },
      "netattachd listening",
    );
    return {
      socketPath: deps.socketPath,
      ...(tcpPort !== undefined ? { tcpPort } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
    };
  }

  /** Not fatal: without it the node still attaches pods; the probes that use it fail, and this log line says why. */
  async function listenHttp(listen: () => Promise<number>): Promise<number | undefined> {
    try {
      return await listen();
    } catch (err) {
      log.error(
        { err, metricsListen: deps.http?.address },
        "cannot listen for /metrics, /healthz and /readyz (metricsListen); serving without them",
      );
      return undefined;
    }
  }

  /** Only clients with a certificate from the configured CA get in: the TCP listener reaches every pod's networks. */
  async function listenTcp(address: string): Promise<number> {
    if (deps.tls === undefined)
      throw new StartupError(
        "TLS_REQUIRED",
        `refusing to listen on ${address} without mutual TLS (set tls.certFile, tls.keyFile, tls.clientCaFile)`,
      );
    if (/^(0\.0\.0\.0|\[::\]|\[::0\]|):/.test(address))
      log.warn(
        { tcpListen: address },
        "the TCP listener accepts connections on every address; mutual TLS is its only guard",
      );
    const tls = deps.tls;
    return listen(address, () => server.listenTcp(address, tls));
  }

  async function stop(): Promise<StopOutcome> {
    let abandoned = 0;
    readiness.stop();
    events.close();
    // The listeners stop accepting now; the wait is for the calls, not the connections: an idle
    // client or a handshake that never finishes holds a connection but no work (and a call whose
    // client went away has no connection left but may still be rolling back).
    const closed = server.shutdown().catch((err: unknown) => log.warn({ err }, "closing the listeners failed"));
    if (!(await within(calls.idle(), deps.shutdownTimeoutMs))) {
      log.warn(
        {
          shutdownTimeoutMs: deps.shutdownTimeoutMs,
          shutdownRollbackMs: deps.shutdownRollbackMs,
          calls: calls.running(),
        },
        "calls still running at the shutdown deadline; cancelling them",
      );
      // Cancelled by us, not by the transport: each call rolls back (or saves what is left) and its
      // caller gets the error saying so, before the connections close.
      calls.cancel(
        `netattachd is stopping (cancelled at the shutdown deadline, shutdownTimeoutMs ${deps.shutdownTimeoutMs})`,
      );
      if (!(await within(calls.idle(), deps.shutdownRollbackMs))) {
        abandoned += calls.running();
        log.error(
          { shutdownRollbackMs: deps.shutdownRollbackMs, calls: calls.running() },
          "calls still rolling back at shutdownRollbackMs; stopping anyway: the next start rolls back the ADDs and hot-plugs left, the runtime's retried DEL finishes the DELs",
        );
      }
    }
    // Time for the last answers to reach their callers (health and reflection are not counted
    // calls); what is still open after it is idle, and is closed.
    if (!(await within(closed, CONNECTIONS_GRACE_MS))) server.forceShutdown();
    if (ownsSocket) await unlink(deps.socketPath).catch(() => undefined);
    // A component's own work (a reconcile pass's CNI GC) gets the rollback budget too: its plugins'
    // deadlines can be far longer than a pod's terminationGracePeriodSeconds.
    for (const l of [...(deps.lifecycles ?? [])].reverse()) {
      const stopped = l.stop().catch((err: unknown) => log.warn({ err }, "stopping a component failed"));
      if (!(await within(stopped, deps.shutdownRollbackMs))) {
        abandoned += 1;
        log.error(
          { shutdownRollbackMs: deps.shutdownRollbackMs, component: l.name },
          "a component did not stop within shutdownRollbackMs; stopping anyway: the next start finishes its work",
        );
      }
    }
    await http?.stop();
    await lock?.release();
    log.info({ abandoned }, "netattachd stopped");
    return { abandoned };
  }

  return {
    start: () => (started ??= start()),
    stop: () => (stopping ??= (started ?? Promise.resolve()).then(stop, stop)),
  };
}

/** How long the listeners may take to close once no call runs, before open connections are cut. */
const CONNECTIONS_GRACE_MS = 1000;

/** True when `p` settles within `ms`, false when the time runs out first. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function listen<T>(address: string, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    throw new StartupError("LISTEN_FAILED", `cannot listen on ${address}: ${(err as Error).message}`, { cause: err });
  }
}
