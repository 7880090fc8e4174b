// netattachd as a child process, run the two ways the benchmarks compare: server/src/main.ts
// under tsx (`npm start`), or the single-file bundle tools/build.mjs writes (the DaemonSet's
// `node netattachd.mjs`). The bundle is built fresh into a temp dir, so both run the same source.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from "../../tools/image/build-image.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DAEMON_RUNNERS = ["tsx", "bundle"] as const;
export type DaemonRunner = (typeof DAEMON_RUNNERS)[number];

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** performance.now() when it was spawned. */
  readonly spawnedAt: number;
  rssMb(): Promise<number>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function parseRunners(list: string): DaemonRunner[] {
  const runners = list.split(",").filter((r) => r !== "");
  const bad = runners.filter((r) => !(DAEMON_RUNNERS as readonly string[]).includes(r));
  if (runners.length === 0 || bad.length > 0)
    throw new Error(`unknown daemon runner(s) "${bad.join(",")}": use ${DAEMON_RUNNERS.join(",")}`);
  return runners as DaemonRunner[];
}

/** How a daemon is started: node flags and extra environment. */
export interface Launch {
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** As the image and the DaemonSet start it (tools/image/build-image.ts): what benchmarks measure unless told otherwise. */
export const DAEMONSET_LAUNCH: Launch = { nodeArgs: DAEMON_NODE_FLAGS, env: DAEMON_ENV };

/** A --node-args value: "--flag NAME=value ..." → node flags and environment; absent → DAEMONSET_LAUNCH. */
export function parseLaunch(words: string | undefined): Launch {
  if (words === undefined) return DAEMONSET_LAUNCH;
  const all = words.split(" ").filter((w) => w !== "");
  const isEnv = (w: string): boolean => /^[A-Z_][A-Z0-9_]*=/.test(w);
  const env = Object.fromEntries(
    all.filter(isEnv).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]),
  );
  return { nodeArgs: all.filter((w) => !isEnv(w)), env };
}

/** "GLIBC_TUNABLES=... --flag ...", for headers; "(plain node)" when empty. */
export function describeLaunch(l: Launch): string {
  return [...Object.entries(l.env).map(([k, v]) => `${k}=${v}`), ...l.nodeArgs].join(" ") || "(plain node)";
}

let built: Promise<string> | undefined;
/** build/netattachd.mjs as `npm run build` writes it, built once per benchmark run from this source. */
export function daemonBundle(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "na-bench-bundle-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await execa(process.execPath, [join(REPO_ROOT, "tools/build.mjs"), "--bundles", dir], { cwd: REPO_ROOT });
    return join(dir, "netattachd.mjs");
  })();
  return built;
}

/** node + arguments that start the daemon with `args`; tsx resolves from the repo, the bundle from anywhere. */
export async function daemonCommand(
  runner: DaemonRunner,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
): Promise<{ argv: string[]; cwd: string }> {
  if (runner === "tsx")
    return { argv: [...nodeArgs, "--import", "tsx", join(REPO_ROOT, "server/src/main.ts"), ...args], cwd: REPO_ROOT };
  return { argv: [...nodeArgs, await daemonBundle(), ...args], cwd: "/" };
}

export async function rssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Starts the daemon; `stdout` is "ignore" or an open file descriptor (pino writes it synchronously). */
export async function startDaemonProcess(
  runner: DaemonRunner,
  args: readonly string[],
  stdout: "ignore" | number = "ignore",
  nodeArgs: readonly string[] = [],
  /** Added to this process's environment, e.g. the image's GLIBC_TUNABLES. */
  env: Readonly<Record<string, string>> = {},
): Promise<DaemonProcess> {
  const { argv, cwd } = await daemonCommand(runner, args, nodeArgs);
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, argv, {
    cwd,
    stdio: ["ignore", stdout, "inherit"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    spawnedAt,
    rssMb: () => rssMbOf(child.pid!),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Waits until the daemon's socket exists (it listens only once its sources are loaded); ms since spawn. */
export async function waitForSocket(d: DaemonProcess, socketPath: string, timeoutMs = 30_000): Promise<number> {
  for (const t0 = Date.now(); !existsSync(socketPath);) {
    if (d.child.exitCode !== null) throw new Error(`netattachd exited with ${d.child.exitCode} before listening`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`netattachd did not listen on ${socketPath} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - d.spawnedAt;
}
