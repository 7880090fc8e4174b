// Default routes inside a pod's netns, for the default-route selection option. `ip` runs in the
// netns by path (RunCommand's `netns`), so any path works (not only /var/run/netns names).
import { execa } from "execa";
import { ipText, nsenterArgs, type IpFamily } from "../cni/index.js";

export type { IpFamily } from "../cni/index.js";

export interface DefaultRoute {
  readonly dev: string;
  readonly gateway?: string;
  readonly metric?: number;
}

export interface RouteEditor {
  /** Default routes of one family in the main table. */
  listDefaultRoutes(netns: string, family: IpFamily, opts?: { signal?: AbortSignal }): Promise<DefaultRoute[]>;
  deleteDefaultRoute(
    netns: string,
    family: IpFamily,
    route: DefaultRoute,
    opts?: { signal?: AbortSignal },
  ): Promise<void>;
  /** `ip route replace default via <gateway> dev <dev>`. */
  replaceDefaultRoute(
    netns: string,
    family: IpFamily,
    dev: string,
    gateway: string,
    opts?: { signal?: AbortSignal },
  ): Promise<void>;
}

/** Runs a command, in the network namespace at `netns` when given; resolves with stdout, rejects with a message carrying stderr. */
export type RunCommand = (
  file: string,
  args: readonly string[],
  opts: { signal?: AbortSignal; netns?: string },
) => Promise<string>;

export const execaRun: RunCommand = async (command, commandArgs, opts) => {
  const [file, args] =
    opts.netns !== undefined ? nsenterArgs(opts.netns, command, commandArgs) : [command, commandArgs];
  const r = await execa(file, args, {
    ...(opts.signal !== undefined ? { cancelSignal: opts.signal } : {}),
    reject: false,
    stdin: "ignore",
  });
  if (r.exitCode !== 0 || r.failed) {
    throw new Error(
      `${file} ${args.join(" ")} failed (exit ${String(r.exitCode)}): ${String(r.stderr).trim() || r.shortMessage}`,
    );
  }
  return String(r.stdout);
};

export function createRouteEditor(run: RunCommand = execaRun): RouteEditor {
  const ip = (netns: string, family: IpFamily, args: readonly string[], signal?: AbortSignal): Promise<string> =>
    run("ip", [`-${family}`, ...args], signal !== undefined ? { signal, netns } : { netns });
  return {
    async listDefaultRoutes(netns, family, opts = {}) {
      const out = await ip(netns, family, ["-j", "route", "show", "default"], opts.signal);
      const parsed: unknown = out.trim() === "" ? [] : JSON.parse(out);
      if (!Array.isArray(parsed)) return [];
      return parsed.flatMap((r: { dev?: unknown; gateway?: unknown; metric?: unknown }) =>
        typeof r.dev === "string"
          ? [
              {
                dev: r.dev,
                ...(typeof r.gateway === "string" ? { gateway: r.gateway } : {}),
                ...(typeof r.metric === "number" ? { metric: r.metric } : {}),
              },
            ]
          : [],
      );
    },
    async deleteDefaultRoute(netns, family, route, opts = {}) {
      const args = ["route", "del", "default"];
      if (route.gateway !== undefined) args.push("via", route.gateway);
      args.push("dev", route.dev);
      if (route.metric !== undefined) args.push("metric", String(route.metric));
      await ip(netns, family, args, opts.signal);
    },
    async replaceDefaultRoute(netns, family, dev, gateway, opts = {}) {
      // ::ffff:a.b.c.d is IPv4 (ipFamily), which `ip -4` takes only as a.b.c.d.
      await ip(netns, family, ["route", "replace", "default", "via", ipText(gateway), "dev", dev], opts.signal);
    },
  };
}
