// Is netattach's conflist the file the container runtime uses? containerd and CRI-O take the
// FIRST config of their conf dir in lexicographic order; anything sorting before it wins.
// `install` asks the same before it writes, so it refuses what doctor would fail.
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { listConfFiles } from "../../../server/src/cni/index.js";
import { CONFLIST_NAME, SHIM_TYPE, shimPluginIssue } from "../install/shim-conflist.js";
import type { CheckResult } from "./doctor-check.js";

export async function checkConfOrder(confDir: string, socket: string): Promise<CheckResult> {
  const files = await listConfFiles(confDir);
  const first = files[0];
  const ours = [];
  for (const path of files) if (await isShimConf(path)) ours.push(path);
  if (ours.length === 0 || first === undefined) {
    return {
      check: "conf-order",
      status: "fail",
      message: `no netattach conflist in ${confDir}: pods get only the runtime's default network`,
      fix: `netattachctl install --conf-dir ${confDir} (the DaemonSet's install-cni init container does this)`,
    };
  }
  if (ours[0] !== first) return shadowed(first, ours[0]!, confDir);
  const refused = await refusedByShim(first);
  if (refused !== undefined) {
    return {
      check: "conf-order",
      status: "fail",
      message: `${first} is first, but the shim refuses it on every call: invalid "${refused.key}": ${refused.message}`,
      fix: `netattachctl install --conf-dir ${confDir} with a valid value (install checks it)`,
    };
  }
  const named = await socketOf(first);
  if (named !== undefined && named !== socket) {
    return {
      check: "conf-order",
      status: "warn",
      message: `${first} is first, but its shim calls ${named}, not ${socket}`,
      fix: `netattachctl install --socket ${socket} (or run doctor with --socket ${named})`,
    };
  }
  return { check: "conf-order", status: "ok", message: `${first} is the first config in ${confDir}` };
}

/** Before `install` writes: the failure doctor would report once CONFLIST_NAME is in `confDir`, if any. */
export async function checkConfOrderBeforeInstall(confDir: string): Promise<CheckResult | undefined> {
  const target = join(confDir, CONFLIST_NAME);
  // listConfFiles sorts by name, as the runtime does; `<` compares the same way.
  const first = (await listConfFiles(confDir)).find((f) => f !== target);
  if (first === undefined || basename(first) > CONFLIST_NAME || (await isShimConf(first))) return undefined;
  return shadowed(first, target, confDir);
}

function shadowed(first: string, ours: string, confDir: string): CheckResult {
  return {
    check: "conf-order",
    status: "fail",
    message: `${basename(first)} sorts before ${basename(ours)} in ${confDir}: the runtime uses ${basename(first)} and pods never reach netattach`,
    fix: `move ${first} out of ${confDir} (netattach runs it as the cluster network from its own config), or rename it to sort after ${CONFLIST_NAME}`,
  };
}

async function readJson(
  path: string,
): Promise<{ type?: unknown; plugins?: Array<{ type?: unknown; socketPath?: unknown }> } | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as never;
  } catch {
    return undefined;
  }
}

async function isShimConf(path: string): Promise<boolean> {
  const conf = await readJson(path);
  return conf?.plugins?.[0]?.type === SHIM_TYPE || conf?.type === SHIM_TYPE;
}

/** The shim's own rules on the plugin conf libcni makes of the conflist: the list's cniVersion and name injected. */
async function refusedByShim(path: string): Promise<{ key: string; message: string } | undefined> {
  const conf = (await readJson(path)) as Record<string, unknown> | undefined;
  const plugin = (conf?.["plugins"] as unknown[] | undefined)?.[0];
  if (conf === undefined || typeof plugin !== "object" || plugin === null) return undefined;
  return shimPluginIssue({ ...plugin, cniVersion: conf["cniVersion"], name: conf["name"] });
}

async function socketOf(path: string): Promise<string | undefined> {
  const value = (await readJson(path))?.plugins?.[0]?.socketPath;
  return typeof value === "string" ? value : undefined;
}
