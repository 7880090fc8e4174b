// Interfaces inside a pod's netns, for netattach's own cleanup of a delegate whose plugin could not
// DEL it. Entered by path with nsenter, like the route editor, so any netns path works.
import { execaRun, type RunCommand } from "./route-editor.js";

export interface PodLinks {
  /** Deletes `ifName` in the netns; "absent" when there was none (already gone, or gone with its parent link). */
  remove(netns: string, ifName: string, opts?: { signal?: AbortSignal }): Promise<"removed" | "absent">;
}

export function createPodLinks(run: RunCommand = execaRun): PodLinks {
  const ip = (netns: string, args: readonly string[], signal?: AbortSignal): Promise<string> =>
    run("nsenter", [`--net=${netns}`, "ip", ...args], signal !== undefined ? { signal } : {});
  const exists = async (netns: string, ifName: string, signal?: AbortSignal): Promise<boolean> => {
    const links: unknown = JSON.parse((await ip(netns, ["-j", "link", "show"], signal)) || "[]");
    return Array.isArray(links) && links.some((l: { ifname?: unknown }) => l.ifname === ifName);
  };
  return {
    async remove(netns, ifName, opts = {}) {
      if (!(await exists(netns, ifName, opts.signal))) return "absent";
      await ip(netns, ["link", "del", "dev", ifName], opts.signal);
      return "removed";
    },
  };
}
