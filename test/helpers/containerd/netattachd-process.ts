// The real netattachd (server/src/main.ts) as its own process, for the containerd e2e
// tests and benchmarks: written config, started, waited for (GetStatus ready), stopped.
import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createChannel, createClient } from "nice-grpc";
import {
  AttachmentServiceDefinition,
  type AttachmentServiceClient,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { REPO_ROOT } from "./shim-binary.js";

export interface NetattachdConfig {
  socketPath: string;
  stateDir: string;
  cniConfDir: string;
  definitionsDir?: string;
  clusterNetwork: string;
  cniBinDirs: readonly string[];
  defaultNamespace?: string;
  logLevel?: string;
  parallelSecondaries?: boolean;
  maxConcurrent?: number;
  pluginSpawner?: boolean;
}

/** How node starts the daemon: server/src/main.ts under tsx (default), or a bundle with node flags and environment (the DaemonSet's way). */
export interface NetattachdLaunch {
  readonly script?: string;
  readonly nodeArgs?: readonly string[];
  /** Added to the daemon's environment (PATH only otherwise). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface NetattachdProcess {
  readonly pid: number;
  readonly client: AttachmentServiceClient;
  log(): Promise<string>;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export async function startNetattachd(
  dir: string,
  config: NetattachdConfig,
  timeoutMs = 30_000,
  launch: NetattachdLaunch = {},
): Promise<NetattachdProcess> {
  const configPath = join(dir, "netattachd.json");
  const logPath = join(dir, "netattachd.log");
  await writeFile(
    configPath,
    JSON.stringify(
      { defaultNamespace: "default", logLevel: "debug", kubernetes: { mode: "none" }, ...config },
      null,
      2,
    ),
  );
  const logFile = await open(logPath, "a");
  const main =
    launch.script !== undefined ? [launch.script] : ["--import", "tsx", join(REPO_ROOT, "server/src/main.ts")];
  const child: ChildProcess = spawn(process.execPath, [...(launch.nodeArgs ?? []), ...main, "--config", configPath], {
    cwd: REPO_ROOT,
    stdio: ["ignore", logFile.fd, logFile.fd],
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...launch.env },
  });
  await logFile.close();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const channel = createChannel(`unix://${config.socketPath}`);
  const client = createClient(AttachmentServiceDefinition, channel);
  const log = (): Promise<string> => readFile(logPath, "utf8").catch(() => "");
  const stop = async (): Promise<void> => {
    channel.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      child.kill("SIGKILL");
      await exited;
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`netattachd exited with ${child.exitCode}:\n${await log()}`);
    }
    const ready = await client.getStatus({}, { signal: AbortSignal.timeout(1000) }).then(
      (s) => s.ready,
      () => false,
    );
    if (ready) return { pid: child.pid!, client, log, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`netattachd not ready after ${timeoutMs} ms:\n${await log()}`);
    }
    await sleep(100);
  }
}
