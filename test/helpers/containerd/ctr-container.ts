// Containers from an image on a test containerd through `ctr` (host network, privileged, bind
// mounts): how the image e2e runs the DaemonSet's init step and daemon without a kubelet.
import { execa } from "execa";

export interface CtrResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}
import type { ContainerdHarness } from "./containerd-harness.js";

export interface CtrMount {
  readonly host: string;
  readonly container: string;
  /** Bind propagation, e.g. "rslave" for HostToContainer. */
  readonly propagation?: string;
  readonly readOnly?: boolean;
}

export interface CtrRunOptions {
  readonly id: string;
  readonly image: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly mounts?: readonly CtrMount[];
  /** Run in the background (a daemon); otherwise wait and remove it. */
  readonly detach?: boolean;
}

async function ctr(h: ContainerdHarness, args: readonly string[], reject = true): Promise<CtrResult> {
  const r = await execa("ctr", ["--address", h.paths.socket, "--namespace", "k8s.io", ...args], { reject });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function importImage(h: ContainerdHarness, tarball: string): Promise<void> {
  await ctr(h, ["images", "import", tarball]);
}

export function ctrRun(h: ContainerdHarness, o: CtrRunOptions): Promise<CtrResult> {
  const mounts = (o.mounts ?? []).flatMap((m) => [
    "--mount",
    `type=bind,src=${m.host},dst=${m.container},options=rbind:${m.readOnly ? "ro" : "rw"}${m.propagation ? `:${m.propagation}` : ""}`,
  ]);
  const env = Object.entries(o.env ?? {}).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const mode = o.detach ? ["-d"] : ["--rm"];
  // Under the harness's cgroup parent, so its cleanup removes whatever is left.
  return ctr(
    h,
    [
      "run",
      ...mode,
      "--net-host",
      "--privileged",
      "--cgroup",
      `${h.cgroupParent}/${o.id}`,
      ...env,
      ...mounts,
      o.image,
      o.id,
      ...o.args,
    ],
    false,
  );
}

export function ctrExec(h: ContainerdHarness, id: string, args: readonly string[]): Promise<CtrResult> {
  return ctr(h, ["task", "exec", "--exec-id", `x${Date.now()}`, id, ...args], false);
}

/** SIGTERM (as the kubelet stops a pod), then remove the task and the container. */
export async function ctrStop(h: ContainerdHarness, id: string): Promise<void> {
  await ctr(h, ["task", "kill", "--signal", "SIGTERM", id], false);
  for (let i = 0; i < 100; i++) {
    const r = await ctr(h, ["task", "ls"], false);
    const line = r.stdout.split("\n").find((l) => l.startsWith(`${id} `));
    if (line === undefined || /STOPPED/.test(line)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  await ctr(h, ["task", "delete", "--force", id], false);
  await ctr(h, ["container", "delete", id], false);
}
