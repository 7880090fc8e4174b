// The host's processes as /proc shows them, for tests that look for what a run left running.
import { readdir, readFile } from "node:fs/promises";

export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
  /** argv joined by spaces, for messages. */
  readonly cmdline: string;
  readonly environ: readonly string[];
}

/** Every process with a command line (kernel threads have none; one that just exited is skipped). */
export async function listProcesses(): Promise<HostProcess[]> {
  const out: HostProcess[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (stat === "" || cmdline === "") continue;
    const environ = (await readFile(`/proc/${name}/environ`, "latin1").catch(() => "")).split("\0");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv = cmdline.replace(/\0$/, "").split("\0");
    out.push({ pid: Number(name), ppid, argv, cmdline: argv.join(" ").trim(), environ });
  }
  return out;
}
