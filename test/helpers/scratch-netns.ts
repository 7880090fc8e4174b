// A real, anonymous network namespace for tests that need a valid netns path but no named one:
// a `sleep` in a fresh netns (unshare; with a user namespace when not root) whose
// /proc/<pid>/ns/net is the path. Works without root, so integration tests can use it.
import { spawn } from "node:child_process";
import { readlink } from "node:fs/promises";

export interface ScratchNetns {
  readonly path: string;
  close(): Promise<void>;
}

export async function createScratchNetns(): Promise<ScratchNetns> {
  const root = process.getuid?.() === 0;
  const child = spawn("unshare", [...(root ? [] : ["--user", "--map-root-user"]), "--net", "sleep", "infinity"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const path = `/proc/${child.pid}/ns/net`;
  const own = await readlink("/proc/self/ns/net");
  for (let i = 0; i < 200; i++) {
    // unshare execs sleep once the namespace exists: until then the child still shares ours.
    const now = await readlink(path).catch(() => own);
    if (now !== own) return { path, close: async () => void (child.kill("SIGKILL"), await exited) };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  throw new Error("unshare did not create a network namespace (are user namespaces allowed?)");
}

/**
 * A scratch namespace per container id, made on first use: the daemon refuses a second sandbox's
 * ADD into a namespace another one holds, as a runtime gives every sandbox its own.
 */
export interface ScratchNetnsPool {
  path(containerId: string): Promise<string>;
  close(): Promise<void>;
}

export function createScratchNetnsPool(): ScratchNetnsPool {
  const made = new Map<string, Promise<ScratchNetns>>();
  return {
    async path(containerId) {
      let ns = made.get(containerId);
      if (ns === undefined) made.set(containerId, (ns = createScratchNetns()));
      return (await ns).path;
    },
    async close() {
      const all = [...made.values()];
      made.clear();
      await Promise.all(all.map(async (ns) => (await ns.catch(() => undefined))?.close()));
    },
  };
}
