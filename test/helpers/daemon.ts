// A real netattachd in-process on a temp unix socket, with a real gRPC client and a log sink.
// `startDaemonWith(service)` serves any AttachmentService (fakes); `startComposedDaemon(config)`
// wires the real runtime, sources and attachment service exactly as main.ts does.
import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { trackInFlightCalls, type AttachmentService } from "../../server/src/attach/index.js";
import { composeDaemon, type ComposeOptions } from "../../server/src/compose-daemon.js";
import { DEFAULTS, type DaemonConfig } from "../../server/src/config/index.js";
import { createDaemon, type Daemon, type DaemonDeps } from "../../server/src/daemon.js";
import { loadDescriptorSet } from "../../server/src/grpc/descriptor-set.js";
import { createLogger } from "../../server/src/log/create-logger.js";
import { createDaemonClient, type DaemonClient } from "../../tools/src/daemon-client.js";

export type LogLine = Record<string, unknown> & { msg?: string; level: number };

export interface LogSink {
  readonly log: Logger;
  readonly lines: LogLine[];
}

export function createLogSink(level: DaemonConfig["logLevel"] = "debug"): LogSink {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: createLogger({ level, destination }), lines };
}

export interface TestDaemon {
  readonly dir: string;
  readonly socketPath: string;
  readonly tcpPort?: number;
  /** Port of the /metrics, /healthz, /readyz listener, when there is one. */
  readonly httpPort?: number;
  readonly daemon: Daemon;
  readonly client: DaemonClient;
  readonly logs: LogLine[];
  /** Stops the daemon and closes the client (idempotent); removes the temp dir. */
  stop(): Promise<void>;
}

async function finish(
  dir: string,
  socketPath: string,
  daemon: Daemon,
  sink: LogSink,
  keepDir: boolean,
): Promise<TestDaemon> {
  let client: DaemonClient | undefined;
  try {
    const started = await daemon.start();
    client = createDaemonClient(socketPath);
    const c = client;
    let stopped: Promise<void> | undefined;
    return {
      dir,
      socketPath,
      ...(started.tcpPort !== undefined ? { tcpPort: started.tcpPort } : {}),
      ...(started.httpPort !== undefined ? { httpPort: started.httpPort } : {}),
      daemon,
      client: c,
      logs: sink.lines,
      stop: () =>
        (stopped ??= (async () => {
          c.close();
          await daemon.stop();
          if (!keepDir) await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    client?.close();
    await daemon.stop().catch(() => undefined);
    if (!keepDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function tempDir(prefix = "na-daemon-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A daemon serving `service` (a fake or the real one); `over.calls`, when given, is its tracker (for calls made on it directly). */
export async function startDaemonWith(
  service: AttachmentService,
  over: Partial<Omit<DaemonDeps, "log" | "descriptorSet">> = {},
): Promise<TestDaemon> {
  const dir = await tempDir();
  const sink = createLogSink();
  const socketPath = over.socketPath ?? join(dir, "run", "netattach.sock");
  const daemon = createDaemon({
    shutdownTimeoutMs: 5_000,
    shutdownRollbackMs: 5_000,
    readinessIntervalMs: { notReady: 50, ready: 200 },
    ...over,
    socketPath,
    calls: over.calls ?? trackInFlightCalls(service),
    log: sink.log,
    descriptorSet: await loadDescriptorSet(),
  });
  return finish(dir, socketPath, daemon, sink, false);
}

/** A daemon composed like main.ts; socket and state under a fresh temp dir unless given. */
export async function startComposedDaemon(
  config: Partial<DaemonConfig> & Pick<DaemonConfig, "clusterNetwork">,
  opts: { dir?: string; createKubeEdge?: ComposeOptions["createKubeEdge"] } = {},
): Promise<TestDaemon & { config: DaemonConfig }> {
  const dir = opts.dir ?? (await tempDir());
  const full: DaemonConfig = {
    ...DEFAULTS,
    socketPath: join(dir, "run", "netattach.sock"),
    stateDir: join(dir, "state"),
    cniConfDir: join(dir, "net.d"),
    shutdownTimeoutMs: 5_000,
    metricsListen: "127.0.0.1:0",
    ...config,
  };
  const sink = createLogSink();
  const daemon = await composeDaemon({
    config: full,
    log: sink.log,
    descriptorSet: await loadDescriptorSet(),
    ...(process.env.PATH ? { pluginPath: process.env.PATH } : {}),
    ...(opts.createKubeEdge ? { createKubeEdge: opts.createKubeEdge } : {}),
  });
  return { ...(await finish(dir, full.socketPath, daemon, sink, opts.dir !== undefined)), config: full };
}

/** A scripted AttachmentService: each method resolves `answers[method]` (or throws it), and records its calls. */
export interface FakeService extends AttachmentService {
  readonly calls: Array<{ method: keyof AttachmentService; request: unknown; signal: AbortSignal }>;
  answers: Partial<Record<keyof AttachmentService, unknown>>;
  /** Set per method to park its calls until released. */
  gates: Partial<Record<keyof AttachmentService, Promise<void>>>;
}

export function createFakeService(answers: FakeService["answers"] = {}): FakeService {
  const calls: FakeService["calls"] = [];
  const fake: FakeService = {
    calls,
    answers,
    gates: {},
  } as FakeService;
  const method =
    (name: keyof AttachmentService) =>
    async (...args: unknown[]): Promise<never> => {
      const ctx = args[args.length - 1] as { signal: AbortSignal };
      calls.push({ method: name, request: args.length > 1 ? args[0] : undefined, signal: ctx.signal });
      await fake.gates[name];
      const answer = fake.answers[name];
      if (answer instanceof Error || (typeof answer === "object" && answer !== null && "thrown" in answer)) {
        throw answer instanceof Error ? answer : (answer as { thrown: unknown }).thrown;
      }
      return answer as never;
    };
  for (const name of [
    "attach",
    "detach",
    "check",
    "gc",
    "status",
    "list",
    "resolve",
    "attachNetwork",
    "detachNetwork",
    "applyNetworkChanges",
  ] as const) {
    (fake as unknown as Record<string, unknown>)[name] = method(name);
  }
  return fake;
}

/** netattachd as a child process (`node --import tsx server/src/main.ts ARGS`). */
export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves once `probe` holds; fails if the daemon exits first. */
  waitFor(what: string, probe: () => Promise<boolean> | boolean): Promise<void>;
  /** Resolves once it logged that it listens (its sockets are up); fails if it exits first. */
  listening(): Promise<void>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

const MAIN = fileURLToPath(new URL("../../server/src/main.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

export function spawnDaemonProcess(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): DaemonProcess {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: REPO, env: { ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const proc: DaemonProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(what, probe) {
      for (let i = 0; i < 1200; i++) {
        if (await probe()) return;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`netattachd exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${err}\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`gave up waiting for ${what}`);
    },
    listening: () => proc.waitFor("the listening log line", () => out.includes('"msg":"netattachd listening"')),
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
  return proc;
}

export function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
