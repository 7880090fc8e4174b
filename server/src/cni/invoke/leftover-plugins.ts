// Processes a plugin run left behind, found by the marks createSpawnExec puts in every plugin's
// environment (environments are inherited, so a scan of /proc finds what the plugin started too,
// in whatever process group or session).
// - The owner mark, at start-up, before the first call: plugins a previous daemon started that
//   outlived it (setpriv's parent-death signal reaches the plugin, not its IPAM plugin or
//   iptables). Nothing the dead daemon started may still change a sandbox while the new one serves DELs.
// - The run mark, when a run is stopped (deadline, abort, stdout over its bound): what the plugin
//   started outside its process group (setsid) survives the group kill.
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable that marks a process as started (directly or not) by one daemon. */
export const PLUGIN_OWNER_ENV = "NETATTACH_PLUGIN_OWNER";
export { PLUGIN_RUN_ENV } from "../spec/plugin-run-mark.js";

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
  return killMarked(`${PLUGIN_OWNER_ENV}=${owner}`, opts);
}

/** SIGKILLs every process whose environment holds `mark` (`NAME=value`) and waits until they are gone. */
export async function killMarked(mark: string, opts: KillLeftoverOptions = {}): Promise<LeftoverProcess[]> {
  const proc = opts.procDir ?? "/proc";
  const self = opts.selfPid ?? process.pid;
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
