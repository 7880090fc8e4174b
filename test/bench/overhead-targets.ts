// How daemon-overhead.ts runs the daemon under test: in this process (composed as main.ts
// does, every dependency timed by the phase recorder), or as a child process under tsx or from
// the bundle (timed from outside: its delegates' exec times come from its debug log).
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { composeDaemon } from "../../server/src/compose-daemon.js";
import {
  buildCniEnv,
  buildPluginConfig,
  createSpawnExec,
  findInPath,
  type ExecRequest,
  type PluginConf,
  type PluginExec,
} from "../../server/src/cni/index.js";
import { DEFAULTS, type DaemonConfig, type LogLevel } from "../../server/src/config/index.js";
import { loadDescriptorSet } from "../../server/src/grpc/descriptor-set.js";
import { createLogger } from "../../server/src/log/create-logger.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startDaemonProcess, waitForSocket, type DaemonProcess, type DaemonRunner } from "./daemon-process.js";
import type { PluginCall } from "./direct-exec.js";
import type { PhaseRecorder, PhaseTotals } from "./phase-recorder.js";

export type Phases = Map<string, PhaseTotals>;

export const execOf = (p: Phases, command: string): number => p.get(`exec ${command}`)?.ms ?? 0;

/** Where the daemon under test keeps its socket, state and networks. */
export interface World {
  readonly dir: string;
  readonly socketPath: string;
  readonly stateDir: string;
  readonly confDir: string;
  readonly defsDir: string;
  readonly plugin: PluginConf;
}

/** The daemon under test, however it runs. */
export interface Target {
  /** One RPC, with the phase totals recorded in-process while it ran (empty for a child). */
  record<T>(fn: () => Promise<T>): Promise<{ out: T; phases: Phases }>;
  /** The delegate calls to replay directly, once known. */
  template(): { add: PluginCall; del: PluginCall } | undefined;
  /** The delegates' exec time inside the daemon for one RPC (asked once the run is over). */
  execMs(containerId: string, command: "ADD" | "DEL", phases: Phases): Promise<number>;
  rssMb?(): Promise<number>;
  /** A child's time from spawn until it listened. */
  readonly listenMs?: number;
  stop(): Promise<void>;
}

/** Composed as main.ts does, in this process, timed by the phase recorder. */
export async function inProcess(w: World, recorder: PhaseRecorder, logLevel: LogLevel): Promise<Target> {
  const { exec, calls } = recordingExec();
  const config: DaemonConfig = {
    ...DEFAULTS,
    socketPath: w.socketPath,
    stateDir: w.stateDir,
    cniConfDir: w.confDir,
    definitionsDir: w.defsDir,
    cniBinDirs: CNI_BIN_DIRS,
    clusterNetwork: "bench",
    defaultNamespace: "default",
    logLevel,
  };
  // Like main.ts with stdout on a file: synchronous JSON lines.
  const log = createLogger({
    level: logLevel,
    destination: pino.destination({ dest: join(w.dir, "netattachd.log"), sync: true }),
  });
  // Plugin runs are timed through the exec seam (the one tests use for fake plugins).
  const daemon = await composeDaemon({
    config,
    log,
    descriptorSet: await loadDescriptorSet(),
    exec: recorder.instrument("exec", exec),
    ...(process.env.PATH ? { pluginPath: process.env.PATH } : {}),
  });
  await daemon.start();
  let add: ExecRequest | undefined;
  let del: ExecRequest | undefined;
  return {
    async record(fn) {
      calls.length = 0;
      recorder.begin();
      const out = await fn();
      const phases = recorder.end();
      add ??= calls.find((c) => c.command === "ADD");
      del ??= calls.find((c) => c.command === "DEL");
      return { out, phases };
    },
    template: () => (add !== undefined && del !== undefined ? { add, del } : undefined),
    execMs: async (_id, command, phases) => execOf(phases, command),
    stop: async () => void (await daemon.stop()),
  };
}

/** A child netattachd (tsx or the bundle) on the same world, logging to a file (debug or trace: its "plugin exec" lines). */
export async function child(runner: DaemonRunner, w: World, logLevel: LogLevel): Promise<Target> {
  const logPath = join(w.dir, "netattachd.log");
  const args = [
    "--socket",
    w.socketPath,
    "--state-dir",
    w.stateDir,
    "--cni-conf-dir",
    w.confDir,
    "--definitions-dir",
    w.defsDir,
    "--cluster-network",
    "bench",
    "--default-namespace",
    "default",
    "--log-level",
    logLevel,
  ];
  for (const d of CNI_BIN_DIRS) args.push("--cni-bin-dir", d);
  const fd = openSync(logPath, "a");
  let d: DaemonProcess;
  try {
    d = await startDaemonProcess(runner, args, fd);
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const listenMs = await waitForSocket(d, w.socketPath).catch(async (err: unknown) => {
    await d.stop();
    throw err;
  });
  // What the daemon's runtime sends bridge (build-plugin-config, cni-env), for the direct runs.
  const path = await findInPath("bridge", CNI_BIN_DIRS);
  const call = (command: string, extra: Record<string, unknown> = {}): PluginCall => ({
    path,
    env: buildCniEnv({
      command,
      containerId: "x",
      netns: "x",
      ifName: "eth0",
      cniArgs: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default",
      binDirs: CNI_BIN_DIRS,
      ...(process.env.PATH ? { path: process.env.PATH } : {}),
    }),
    stdin: Buffer.from(
      JSON.stringify({
        ...buildPluginConfig({ networkName: "bench", cniVersion: "1.0.0", plugin: w.plugin }),
        ...extra,
      }),
    ),
  });
  const template = { add: call("ADD"), del: call("DEL", { prevResult: {} }) };
  let execs: Map<string, number> | undefined;
  return {
    record: async (fn) => ({ out: await fn(), phases: new Map() }),
    template: () => template,
    async execMs(id, command) {
      execs ??= execTimesFromLog(await readFile(logPath, "utf8"));
      const ms = execs.get(`${id} ${command}`);
      if (ms === undefined) throw new Error(`no "plugin exec" line for ${command} ${id} in ${logPath}`);
      return ms;
    },
    rssMb: () => d.rssMb(),
    listenMs,
    async stop() {
      const code = await d.stop();
      if (code !== 0) throw new Error(`netattachd (${runner}) exited with ${code}`);
    },
  };
}

/** A PluginExec that keeps the delegate requests the daemon made (to replay them directly). */
function recordingExec(): { exec: PluginExec; calls: ExecRequest[] } {
  const real = createSpawnExec();
  const calls: ExecRequest[] = [];
  return {
    calls,
    exec: { findInPath: (t, d) => real.findInPath(t, d), exec: (req) => (calls.push(req), real.exec(req)) },
  };
}

/** The delegates' exec time per "<containerId> <command>", summed from a daemon's debug "plugin exec" lines. */
export function execTimesFromLog(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.includes('"plugin exec"')) continue;
    const e = JSON.parse(line) as { msg?: string; containerId?: string; command?: string; durationMs?: number };
    if (e.msg !== "plugin exec" || e.containerId === undefined || e.durationMs === undefined) continue;
    const key = `${e.containerId} ${e.command}`;
    out.set(key, (out.get(key) ?? 0) + e.durationMs);
  }
  return out;
}
