// Every plugin (and IPAM plugin) of every configured network is found in the daemon's bin
// dirs, by the runtime's own lookup.
import { findInPath, isCniError } from "../../../server/src/cni/index.js";
import { SHIM_TYPE } from "../install/shim-conflist.js";
import type { ConfiguredNetwork } from "./configured-networks.js";
import { pluginTypes } from "./configured-networks.js";
import type { CheckResult } from "./doctor-check.js";

export async function checkPlugins(
  networks: readonly ConfiguredNetwork[],
  binDirs: readonly string[],
): Promise<CheckResult> {
  const problems: string[] = [];
  const fixes = new Set<string>();
  let checked = 0;
  for (const n of networks) {
    if ("problem" in n.config) {
      problems.push(`network ${n.name} (${n.where}): ${n.config.problem}`);
      fixes.add(`fix the config in ${n.where}`);
      continue;
    }
    for (const type of pluginTypes(n.config)) {
      if (type === SHIM_TYPE) continue;
      checked++;
      try {
        await findInPath(type, binDirs);
      } catch (err) {
        if (!isCniError(err)) throw err;
        problems.push(
          `network ${n.name} (${n.where}): plugin "${type}" not found in ${binDirs.join(", ")}${err.details ? ` (${err.details})` : ""}`,
        );
        fixes.add(
          `install "${type}" into one of ${binDirs.join(", ")} (Debian: apt-get install containernetworking-plugins), or correct the type in ${n.where}`,
        );
      }
    }
  }
  if (problems.length > 0)
    return { check: "plugins", status: "fail", message: problems.join("\n"), fix: [...fixes].join("\n") };
  return {
    check: "plugins",
    status: "ok",
    message: `${networks.length} network(s), ${checked} plugin reference(s), all found in ${binDirs.join(", ")}`,
  };
}
