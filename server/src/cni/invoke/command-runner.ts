// netattach's own commands (nsenter + ip: the pod's links, its default routes) run the way plugins
// do: through the daemon's PluginExec, so with netattach-spawner each is a vfork of a small helper,
// not a fork of the daemon (execa's child_process). One listing of a netns runs on every ADD; a
// fork of a ~60 MiB daemon cost ~10 ms of its CPU there, on a node whose CPU goal is 25 ms a pod.
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
  return async (file, args, opts) => {
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
}
