// util-linux setpriv, for the plugins' parent-death signal — found, and run once (`--version`):
// a binary that cannot start (a missing shared library in a minimal image) must not turn every
// plugin exec into a failure. Without it plugins start directly.
import { execFile } from "node:child_process";
import { findInPath } from "./find-in-path.js";

export type SetprivLookup = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: string };

export async function findSetpriv(dirs: readonly string[]): Promise<SetprivLookup> {
  let path: string;
  try {
    path = await findInPath("setpriv", dirs);
  } catch {
    return { ok: false, why: `setpriv (util-linux) not found in ${dirs.join(":")}` };
  }
  return new Promise((resolve) => {
    execFile(path, ["--version"], { timeout: 5_000, env: {} }, (err, _stdout, stderr) => {
      if (err === null) resolve({ ok: true, path });
      else resolve({ ok: false, why: `${path} --version failed: ${String(stderr).trim() || err.message}` });
    });
  });
}
