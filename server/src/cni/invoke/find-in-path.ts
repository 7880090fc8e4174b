// Locate a plugin binary in the bin dirs (libcni invoke.FindInPath): the first regular,
// executable file named `type`. Types that could escape the dirs are rejected.
// Runs on every ADD/DEL for every plugin: a synchronous stat (microseconds on the local bin
// dirs) instead of a thread-pool round trip.
import { statSync } from "node:fs";
import { join } from "node:path";
import { CniError, CniErrorCode } from "../spec/errors.js";

export async function findInPath(type: string, dirs: readonly string[]): Promise<string> {
  if (type === "" || type.includes("/") || type.includes("\\") || type.includes("..") || type.includes("\0")) {
    throw new CniError({
      kind: "plugin-type-invalid",
      code: CniErrorCode.InvalidNetworkConfig,
      msg: `invalid plugin type "${type}"`,
      details: "a type is a file name: it must not be empty or contain '/', '\\' or '..'",
      plugin: type,
    });
  }
  if (dirs.length === 0) {
    throw new CniError({
      kind: "plugin-not-found",
      code: CniErrorCode.InvalidNetworkConfig,
      msg: `failed to find plugin "${type}": no plugin directories configured`,
      plugin: type,
    });
  }
  const rejected: string[] = [];
  for (const dir of dirs) {
    const candidate = join(dir, type);
    const why = unusable(candidate);
    if (why === undefined) return candidate;
    if (why !== "missing") rejected.push(`${candidate}: ${why}`);
  }
  throw new CniError({
    kind: "plugin-not-found",
    code: CniErrorCode.InvalidNetworkConfig,
    msg: `failed to find plugin "${type}" in path [${dirs.join(" ")}]`,
    ...(rejected.length > 0 ? { details: rejected.join("; ") } : {}),
    plugin: type,
  });
}

/** undefined when usable; "missing", or why a file that exists cannot be run. */
function unusable(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return "not a regular file";
    // One stat per lookup keeps the hot path lean; a finer EACCES surfaces from spawn.
    return (st.mode & 0o111) === 0 ? "not executable" : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    return code === "EACCES" ? "not executable" : `unusable (${code ?? String(err)})`;
  }
}
