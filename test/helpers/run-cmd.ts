// Run a host command without a shell; reject with its stderr so test failures say why.
import { execFile } from "node:child_process";
import type { Writable } from "node:stream";

export interface CmdResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function runCmd(file: string, args: readonly string[], opts: { input?: string } = {}): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${file} ${args.join(" ")} failed: ${stderr.trim() || err.message}`, { cause: err }));
      } else {
        resolve({ stdout, stderr });
      }
    });
    if (opts.input !== undefined && child.stdin !== null) feedStdin(child.stdin, opts.input);
  });
}

/**
 * Writes `input` to a child's stdin and closes it. A program may exit without reading its stdin
 * (a refusal decided from its environment): the EPIPE that the write then meets is the program's
 * choice, and its exit code and output are what a caller checks, not an error of the caller.
 */
export function feedStdin(stdin: Writable, input: string | Uint8Array): void {
  stdin.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  stdin.end(input);
}

/** Like runCmd but resolves to false instead of rejecting (for probes and best-effort cleanup). */
export async function tryCmd(file: string, args: readonly string[]): Promise<boolean> {
  try {
    await runCmd(file, args);
    return true;
  } catch {
    return false;
  }
}

/** Run a command whose stdout is JSON (`ip -j`, `tc -j`). Empty output is an empty array. */
export async function runJson<T>(file: string, args: readonly string[]): Promise<T> {
  const { stdout } = await runCmd(file, args);
  const text = stdout.trim();
  return JSON.parse(text === "" ? "[]" : text) as T;
}
