// Interfaces inside a pod's netns, for netattach's own cleanup of a delegate whose plugin could not
// DEL it, to tell a pod's namespace by what is in it, and to find the names a new interface may not
// take. Listed by netattach-spawner when there is one (a child of it enters the netns and asks the
// kernel: no exec, on every ADD and DEL), else by `ip` run in the netns by path, like the route
// editor's, so any netns path works.
import type { LinkLister } from "../cni/index.js";
import { execaRun, type RunCommand } from "./route-editor.js";

export interface PodLinks {
  /** Deletes `ifName` in the netns; "absent" when there was none (already gone, or gone with its parent link). */
  remove(netns: string, ifName: string, opts?: { signal?: AbortSignal }): Promise<"removed" | "absent">;
  /** Every link of the netns: name → MAC ("" for a link without one). */
  macs(netns: string, opts?: { signal?: AbortSignal }): Promise<ReadonlyMap<string, string>>;
  /** Every name a link of the netns answers to, its altnames too: the kernel refuses a new link named like any of them. */
  names(netns: string, opts?: { signal?: AbortSignal }): Promise<ReadonlySet<string>>;
}

type IpLink = { ifname?: unknown; address?: unknown; altnames?: unknown };

export function createPodLinks(run: RunCommand = execaRun, lister?: LinkLister): PodLinks {
  const ip = (netns: string, args: readonly string[], signal?: AbortSignal): Promise<string> =>
    run("ip", args, signal !== undefined ? { signal, netns } : { netns });
  const listing = (netns: string, signal?: AbortSignal): Promise<string> =>
    lister !== undefined
      ? lister(netns, signal !== undefined ? { signal } : {})
      : ip(netns, ["-j", "link", "show"], signal);
  const list = async (netns: string, signal?: AbortSignal): Promise<IpLink[]> => {
    const links: unknown = JSON.parse((await listing(netns, signal)) || "[]");
    return Array.isArray(links) ? (links as IpLink[]) : [];
  };
  const macs = async (netns: string, signal?: AbortSignal): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const l of await list(netns, signal)) {
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
    async names(netns, opts = {}) {
      const out = new Set<string>();
      for (const l of await list(netns, opts.signal)) {
        const alt = Array.isArray(l.altnames) ? l.altnames : [];
        for (const n of [l.ifname, ...alt]) if (typeof n === "string") out.add(n);
      }
      return out;
    },
  };
}
