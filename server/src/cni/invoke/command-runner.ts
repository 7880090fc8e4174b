// netattach's own commands (nsenter + ip: the pod's links, its default routes) run the way plugins
// do: through the daemon's PluginExec, so with netattach-spawner each is a vfork of a small helper,
// not a fork of the daemon (execa's child_process). One listing of a netns runs on every ADD; a
// fork of a ~60 MiB daemon cost ~10 ms of its CPU there, on a node whose CPU goal is 25 ms a pod.
import { CniError } from "../spec/errors.js";
import { SPAWNER_FAILED } from "./spawner/spawner-launch.js";
import type { PluginExec } from "./types.js";

/** Same shape as the netns module's RunCommand: stdout on exit 0, an Error carrying stderr otherwise. */
export type CommandRunner = (file: string, args: readonly string[], opts: { signal?: AbortSignal }) => Promise<string>;

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
  const once = async (file: string, args: readonly string[], opts: { signal?: AbortSignal }): Promise<string> => {
    let stderr = "";
    try {
      const out = await exec.exec({
        path: await locate(file),
        args,
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
      const why = stderr.trim() || (err as Error).message;
      throw new Error(`${file} ${args.join(" ")} failed: ${why}`, { cause: err });
    }
  };
  return async (file, args, opts) => {
    try {
      return await once(file, args, opts);
    } catch (err) {
      // The spawner died (killed behind the daemon's back) before the daemon saw its exit: the next
      // run starts a new one. These commands list or set state, so running one again is harmless.
      if (!spawnerDied(err) || opts.signal?.aborted === true) throw err;
      return once(file, args, opts);
    }
  };
}

function spawnerDied(err: unknown): boolean {
  const cause = (err as Error).cause;
  return cause instanceof CniError && (cause.cause as NodeJS.ErrnoException | undefined)?.code === SPAWNER_FAILED;
}
