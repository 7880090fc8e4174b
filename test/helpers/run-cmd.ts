// Run a host command without a shell; reject with its stderr so test failures say why.
import { execFile } from "node:child_process";

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
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
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
