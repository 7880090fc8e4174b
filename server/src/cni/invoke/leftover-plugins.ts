// Plugins a previous daemon started and that outlived it (setpriv's parent-death signal reaches
// the plugin, not what the plugin started: its IPAM plugin, iptables). Each carries the owner mark
// createSpawnExec put in its environment, and environments are inherited, so a scan of /proc finds
// them all. Run at start-up, before the first call: nothing the dead daemon started may still
// change a sandbox while the new one serves DELs.
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable that marks a process as started (directly or not) by one daemon. */
export const PLUGIN_OWNER_ENV = "NETATTACH_PLUGIN_OWNER";

export interface LeftoverProcess {
  readonly pid: number;
  /** Its command line, for the log. */
  readonly command: string;
}

export interface KillLeftoverOptions {
  /** Default /proc. */
  readonly procDir?: string;
  /** How long to wait for the killed processes to be gone. Default 5 s. */
  readonly waitMs?: number;
  /** Never killed (this process). Default process.pid. */
  readonly selfPid?: number;
}

/** SIGKILLs every process carrying `owner`'s mark and waits until they are gone; returns what it killed. */
export async function killLeftoverPlugins(owner: string, opts: KillLeftoverOptions = {}): Promise<LeftoverProcess[]> {
  const proc = opts.procDir ?? "/proc";
  const self = opts.selfPid ?? process.pid;
  const mark = `${PLUGIN_OWNER_ENV}=${owner}`;
  const killed: LeftoverProcess[] = [];
  for (const name of await readdir(proc)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === self) continue;
    const environ = await readFile(join(proc, name, "environ"), "latin1").catch(() => "");
    if (!environ.split("\0").includes(mark)) continue;
    const command = (await readFile(join(proc, name, "cmdline"), "utf8").catch(() => ""))
      .split("\0")
      .filter(Boolean)
      .join(" ");
    try {
      process.kill(pid, "SIGKILL");
      killed.push({ pid, command });
    } catch {
      // gone meanwhile
    }
  }
  const until = Date.now() + (opts.waitMs ?? 5000);
  while (killed.some((p) => !isGone(proc, p.pid)) && Date.now() < until) await sleep(20);
  return killed;
}

/** Gone, or a zombie (it runs no code; its reaper is not us). */
function isGone(proc: string, pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A few bytes from procfs, polled: synchronous.
    return (
      readFileSync(join(proc, String(pid), "stat"), "utf8")
        .split(") ")[1]
        ?.startsWith("Z") ?? true
    );
  } catch {
    return true;
  }
}
