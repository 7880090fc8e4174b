// Last-resort cleanup for a private containerd: whatever graceful Stop/Remove left behind
// (shims, runc containers, mounts, netns, cgroups) is removed here, so a failed test does not
// leak into the next one.
import { readdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { listProcesses } from "../processes.js";

/** Pids whose command line mentions `needle` (e.g. our containerd socket). */
export async function findProcesses(needle: string): Promise<number[]> {
  return (await listProcesses()).filter((p) => p.argv.includes(needle)).map((p) => p.pid);
}

export function killAll(pids: readonly number[], signal: NodeJS.Signals = "SIGKILL"): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Force-delete every container runc still knows under this private root (<root>/<namespace>). */
export async function deleteRuncContainers(runcRoot: string): Promise<void> {
  for (const ns of await readdir(runcRoot).catch(() => [] as string[])) {
    const root = join(runcRoot, ns);
    const list = await execa("runc", ["--root", root, "list", "-q"], { reject: false });
    for (const id of list.stdout.split("\n").filter(Boolean)) {
      await execa("runc", ["--root", root, "delete", "--force", id], { reject: false });
    }
  }
}

/** Lazily unmount everything mounted at or below `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  const points = info
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await execa("umount", ["-l", p], { reject: false });
}

/** Remove network namespaces by name (ip netns del also unmounts the bind mount). */
export async function deleteNetns(names: Iterable<string>): Promise<void> {
  for (const name of names) await execa("ip", ["netns", "del", name], { reject: false });
}

/** rmdir the cgroup parent in every v1 hierarchy (and v2), children first. */
export async function removeCgroupParent(parent: string): Promise<void> {
  const roots = await readdir("/sys/fs/cgroup").catch(() => [] as string[]);
  for (const r of [".", ...roots]) {
    const base = join("/sys/fs/cgroup", r, parent);
    const kids = await readdir(base, { withFileTypes: true }).catch(() => []);
    for (const k of kids) if (k.isDirectory()) await rmdir(join(base, k.name)).catch(() => undefined);
    await rmdir(base).catch(() => undefined);
  }
}

export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** containerd (libcni) caches each ADD result in /var/lib/cni/results/<net>-<id>-<ifname>. */
export async function deleteLibcniCache(
  sandboxIds: Iterable<string>,
  cacheDir = "/var/lib/cni/results",
): Promise<void> {
  const ids = [...sandboxIds];
  const files = await readdir(cacheDir).catch(() => [] as string[]);
  for (const f of files) if (ids.some((id) => f.includes(`-${id}-`))) await rm(join(cacheDir, f), { force: true });
}
