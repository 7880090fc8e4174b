// Interfaces inside a pod's netns, for netattach's own cleanup of a delegate whose plugin could not
// DEL it, and to tell a pod's namespace by what is in it. Entered by path with nsenter, like the
// route editor, so any netns path works.
import { execaRun, type RunCommand } from "./route-editor.js";

export interface PodLinks {
  /** Deletes `ifName` in the netns; "absent" when there was none (already gone, or gone with its parent link). */
  remove(netns: string, ifName: string, opts?: { signal?: AbortSignal }): Promise<"removed" | "absent">;
  /** Every link of the netns: name → MAC ("" for a link without one). */
  macs(netns: string, opts?: { signal?: AbortSignal }): Promise<ReadonlyMap<string, string>>;
}

export function createPodLinks(run: RunCommand = execaRun): PodLinks {
  const ip = (netns: string, args: readonly string[], signal?: AbortSignal): Promise<string> =>
    run("nsenter", [`--net=${netns}`, "ip", ...args], signal !== undefined ? { signal } : {});
  const macs = async (netns: string, signal?: AbortSignal): Promise<Map<string, string>> => {
    const links: unknown = JSON.parse((await ip(netns, ["-j", "link", "show"], signal)) || "[]");
    const out = new Map<string, string>();
    if (!Array.isArray(links)) return out;
    for (const l of links as Array<{ ifname?: unknown; address?: unknown }>) {
      if (typeof l.ifname === "string") out.set(l.ifname, typeof l.address === "string" ? l.address : "");
    }
    return out;
  };
  return {
    async remove(netns, ifName, opts = {}) {
      if (!(await macs(netns, opts.signal)).has(ifName)) return "absent";
      await ip(netns, ["link", "del", "dev", ifName], opts.signal);
      return "removed";
    },
    macs: (netns, opts = {}) => macs(netns, opts.signal),
  };
}
