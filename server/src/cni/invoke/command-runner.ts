// netattach's own commands (ip in a pod's netns: its links, its default routes) run the way plugins
// do: through the daemon's PluginExec, so with netattach-spawner each is a vfork of a small helper,
// not a fork of the daemon (execa's child_process). One listing of a netns runs on every ADD; a
// fork of a ~60 MiB daemon cost ~10 ms of its CPU there, on a node whose CPU goal is 25 ms a pod.
// The spawner enters the netns itself (setns before execve); only without it does nsenter do so,
// one exec more (~4 ms and ~2 ms of CPU per command on the 2-core VM).
import { CniError } from "../spec/errors.js";
import { SPAWNER_FAILED } from "./spawner/spawner-launch.js";
import type { PluginExec } from "./types.js";

/** Same shape as the netns module's RunCommand: stdout on exit 0, an Error carrying stderr otherwise. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  opts: { signal?: AbortSignal; netns?: string },
) => Promise<string>;

/** The command line that runs `file` in `netns` from outside it, for a runner that cannot enter one itself. */
export function nsenterArgs(netns: string, file: string, args: readonly string[]): [string, string[]] {
  return ["nsenter", [`--net=${netns}`, file, ...args]];
}

/** A bound that no listing or route edit comes near; only a wedged command meets it. */
const COMMAND_TIMEOUT_MS = 30_000;

export function commandRunner(exec: PluginExec, searchPath: string): CommandRunner {
  const dirs = searchPath.split(":").filter((d) => d !== "");
  const found = new Map<string, Promise<string>>();
  const locate = (file: string): Promise<string> => {
    let p = found.get(file);
    if (p === undefined) {
      p = exec.findInPath(file, dirs);
      p.catch(() => found.delete(file));
      found.set(file, p);
    }
    return p;
  };
  const once: CommandRunner = async (command, commandArgs, opts) => {
    const entering = opts.netns !== undefined && exec.entersNetns === true;
    const [file, args] =
      opts.netns !== undefined && !entering ? nsenterArgs(opts.netns, command, commandArgs) : [command, commandArgs];
    // A lookup's CniError speaks of a plugin: a command of ours is just not on the search path.
    const path = await locate(file).catch((err: unknown) => {
      // Its details name a file that is there but cannot run (not executable, not a regular file).
      const why = err instanceof CniError && err.details ? `: ${err.details}` : "";
      throw new Error(
        `${[command, ...commandArgs].join(" ")} failed: ${file} not found in any of [${dirs.join(" ")}]${why}`,
        { cause: err },
      );
    });
    let stderr = "";
    try {
      const out = await exec.exec({
        path,
        args,
        ...(entering ? { netns: opts.netns } : {}),
        stdin: Buffer.alloc(0),
        // nsenter finds `ip` on this PATH.
        env: { PATH: searchPath },
        timeoutMs: COMMAND_TIMEOUT_MS,
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        pluginType: file,
        command: args[0] ?? file,
        onStderr: (s) => (stderr = s),
      });
      return out.toString("utf8");
    } catch (err) {
      // A CniError's own text names the command again as a plugin, with a CNI code: its message alone.
      const said =
        err instanceof CniError ? `${err.msg}${err.details ? `; ${err.details}` : ""}` : (err as Error).message;
      const why = stderr.trim() || said;
      const where = entering ? ` in ${opts.netns}` : "";
      throw new Error(`${[file, ...args].join(" ")}${where} failed: ${why}`, { cause: err });
    }
  };
  return (file, args, opts) => onceMoreIfSpawnerDied(() => once(file, args, opts), opts.signal);
}

/** The links of a netns as `ip -j link show` JSON (ifname, address, altnames). */
export type LinkLister = (netns: string, opts: { signal?: AbortSignal }) => Promise<string>;

/** The spawner's own listing (PluginExec.listLinks: no exec); undefined for an exec without one. */
export function spawnerLinkLister(exec: PluginExec): LinkLister | undefined {
  const list = exec.listLinks;
  if (list === undefined) return undefined;
  return (netns, opts) =>
    onceMoreIfSpawnerDied(async () => {
      try {
        const out = await list(netns, {
          timeoutMs: COMMAND_TIMEOUT_MS,
          ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        });
        return out.toString("utf8");
      } catch (err) {
        const why = err instanceof CniError ? err.msg : (err as Error).message;
        throw new Error(`listing the links of ${netns} failed: ${why}`, { cause: err });
      }
    }, opts.signal);
}

/**
 * The spawner died (killed behind the daemon's back) before the daemon saw its exit: the next
 * run starts a new one. netattach's own commands list or set state, so running one again is harmless.
 */
async function onceMoreIfSpawnerDied<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!spawnerDied(err) || signal?.aborted === true) throw err;
    return run();
  }
}

function spawnerDied(err: unknown): boolean {
  const cause = (err as Error).cause;
  return cause instanceof CniError && (cause.cause as NodeJS.ErrnoException | undefined)?.code === SPAWNER_FAILED;
}
