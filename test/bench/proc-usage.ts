// A process's own CPU time and memory from /proc (Linux): utime+stime exclude its children, so a
// daemon's figure leaves out the plugins it ran.
import { readFile } from "node:fs/promises";

/** USER_HZ: /proc/<pid>/stat counts clock ticks of 10 ms on every Linux architecture in use. */
const TICK_MS = 10;

/** utime + stime of `pid` in ms (its threads included, its children not). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

export interface Memory {
  /** Resident now. */
  readonly rssMb: number;
  /** Peak resident since start (VmHWM). */
  readonly peakMb: number;
}

export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}
