// Executing a plugin the way a shell script would, without the runtime: the same binary,
// env and stdin the runtime used, either spawned directly or through `sh -c`.
import { spawn } from "node:child_process";

export interface PluginCall {
  readonly path: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Buffer;
}

/**
 * "spawn": the binary itself; "setsid": the same in a new session/process group, as the
 * runtime's exec seam does to kill a plugin's children (isolates that cost); "shell": `sh -c`.
 */
export type DirectHow = "spawn" | "setsid" | "shell";

/** Resolves with stdout; rejects on a non-zero exit (the benchmark must only time successes). */
export function execDirect(call: PluginCall, how: DirectHow): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const opts = {
      env: call.env,
      stdio: ["pipe", "pipe", "pipe"] as ["pipe", "pipe", "pipe"],
      detached: how === "setsid",
    };
    const child = how === "shell" ? spawn("/bin/sh", ["-c", '"$0"', call.path], opts) : spawn(call.path, [], opts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${call.path} exited ${code}: ${stdout.toString()} ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(call.stdin);
  });
}
