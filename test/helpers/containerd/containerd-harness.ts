// A private containerd 1.6 (Debian package) with its own root, state, socket and CNI dirs,
// driven through the CRI API like a kubelet. `stop()` leaves nothing behind.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { renderContainerdConfig, type ContainerdPaths } from "./containerd-config.js";
import { createCriConnection, type CriClient, type CriConnection } from "./cri-client.js";
import {
  deleteLibcniCache,
  deleteNetns,
  deleteRuncContainers,
  findProcesses,
  killAll,
  removeCgroupParent,
  removeTree,
  unmountUnder,
} from "./cleanup.js";
import { buildPauseImage } from "./pause-image.js";
import { sandboxNetnsPath } from "./pod-sandbox.js";

export const PAUSE_IMAGE = "localhost/netattach-pause:test";

export interface ContainerdOptions {
  /** Short tag for the temp dir and cgroup parent (unix socket paths must stay < 108 chars). */
  tag: string;
  cniBinDir: string;
  cniConfDir: string;
  snapshotter?: "overlayfs" | "native";
  startTimeoutMs?: number;
  /** containerd's environment; CNI plugins inherit it. Default: PATH only, as under systemd. */
  env?: Record<string, string>;
}

export const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ContainerdHarness {
  readonly dir: string;
  readonly paths: ContainerdPaths;
  readonly cri: CriClient;
  /** cgroup parent to put in pod configs, so cleanup can find and remove it. */
  readonly cgroupParent: string;
  /** containerd's own log (debug level), for failure messages. */
  log(): Promise<string>;
  /** Remember a sandbox's netns so `stop()` removes it even if containerd did not. */
  track(sandboxId: string): Promise<void>;
  /** Waits until CRI Status reports NetworkReady (the conf dir was loaded). */
  waitNetworkReady(timeoutMs?: number): Promise<void>;
  /** Kills containerd (SIGKILL: no graceful CNI DEL) and starts it again on the same root and state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await sleep(50);
  }
}

export async function startContainerd(opts: ContainerdOptions): Promise<ContainerdHarness> {
  const dir = await mkdtemp(join(tmpdir(), `na-ctrd-${opts.tag}-`));
  const paths: ContainerdPaths = {
    root: join(dir, "root"),
    state: join(dir, "state"),
    socket: join(dir, "c.sock"),
    opt: join(dir, "opt"),
    runcRoot: join(dir, "runc"),
  };
  const cgroupParent = `/netattach-${opts.tag}-${dir.slice(-6)}`;
  const configPath = join(dir, "config.toml");
  const logPath = join(dir, "containerd.log");
  await mkdir(paths.root, { recursive: true });
  await writeFile(
    configPath,
    renderContainerdConfig({
      paths,
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: opts.cniBinDir,
      cniConfDir: opts.cniConfDir,
      snapshotter: opts.snapshotter,
    }),
  );

  const launch = async (): Promise<{ child: ChildProcess; exited: Promise<void> }> => {
    const logFile = await open(logPath, "a");
    const proc: ChildProcess = spawn("containerd", ["--config", configPath], {
      stdio: ["ignore", logFile.fd, logFile.fd],
      env: opts.env ?? { PATH: SYSTEMD_PATH },
    });
    await logFile.close();
    return { child: proc, exited: new Promise<void>((resolve) => proc.once("exit", () => resolve())) };
  };
  let { child, exited } = await launch();
  const netnsNames = new Set<string>();
  const sandboxIds = new Set<string>();
  const conn: CriConnection = createCriConnection(paths.socket);
  const cri = conn.client;
  const track = async (id: string): Promise<void> => {
    sandboxIds.add(id);
    const netns = await sandboxNetnsPath(cri, id);
    if (netns) netnsNames.add(netns.split("/").pop() ?? "");
  };

  const stop = async (): Promise<void> => {
    // Graceful first: what the kubelet would do, so containerd runs CNI DEL for each pod.
    if (child.exitCode === null) {
      const pods = await cri.listPodSandbox({}).catch(() => ({ items: [] }));
      for (const pod of pods.items) {
        await track(pod.id).catch(() => undefined);
        await cri.stopPodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
        await cri.removePodSandbox({ podSandboxId: pod.id }).catch(() => undefined);
      }
    }
    conn.close();
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    child.kill("SIGKILL");
    killAll(await findProcesses(paths.socket));
    await deleteRuncContainers(paths.runcRoot);
    await unmountUnder(dir);
    await deleteNetns(netnsNames);
    await deleteLibcniCache(sandboxIds);
    await removeCgroupParent(cgroupParent);
    await removeTree(dir);
  };

  const ready = (): Promise<string> =>
    waitFor("containerd CRI Version", opts.startTimeoutMs ?? 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`containerd exited with ${child.exitCode}`);
      return (await cri.version({ version: "v1" })).runtimeName || undefined;
    });
  /** SIGKILL (no CNI DEL for anyone) and start again on the same state: what a node sees after a crash. */
  const restart = async (): Promise<void> => {
    child.kill("SIGKILL");
    await exited;
    ({ child, exited } = await launch());
    await ready();
  };

  try {
    await ready();
    const tarball = await buildPauseImage({ dir: join(dir, "image"), name: PAUSE_IMAGE });
    await execa("ctr", ["--address", paths.socket, "--namespace", "k8s.io", "images", "import", tarball]);
    return {
      dir,
      paths,
      cri,
      cgroupParent,
      log: () => readFile(logPath, "utf8"),
      track,
      waitNetworkReady: async (timeoutMs = 20_000) => {
        await waitFor("CRI NetworkReady", timeoutMs, async () => {
          const st = await cri.status({});
          return st.status?.conditions.find((c) => c.type === "NetworkReady" && c.status) ? true : undefined;
        });
      },
      restart,
      stop,
    };
  } catch (err) {
    const log = await readFile(logPath, "utf8").catch(() => "");
    await stop();
    throw new Error(`private containerd did not start: ${log.split("\n").slice(-20).join("\n")}`, { cause: err });
  }
}
