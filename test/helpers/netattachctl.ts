// Spawns the real netattachctl entry (tools/src/main.ts under tsx) and collects its output.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../tools/src/main.ts", import.meta.url));

export interface CtlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs in the repo root (where `--import tsx` resolves). */
export function runNetattachctl(args: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<CtlRun> {
  // Only what the CLI needs: no CNI_* / NETCONFPATH leaking in from the test runner.
  const env = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: process.env.HOME ?? "/root",
    ...opts.env,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MAIN, ...args],
      { cwd: REPO_ROOT, env, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
