// Load a network configuration from disk (libcni LoadNetworkConf / NetworkConfFromFile).
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { JsonObject, NetworkConfigList } from "../spec/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { listConfFiles } from "./conf-files.js";
import { parseNetworkConfigList } from "./parse-network-config-list.js";

/**
 * One file → list. For a conflist without `loadOnlyInlinedPlugins`, plugin confs in
 * `<dir>/<name>/*.conf` are appended after the inline plugins (spec main, libcni 1.3).
 */
export async function loadNetworkConfigFile(path: string): Promise<NetworkConfigList> {
  const bytes = await readConf(path);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch {
    return parseNetworkConfigList(bytes, path); // reports the syntax error with the file name
  }
  if (!isListWithFolder(raw)) return parseNetworkConfigList(bytes, path);
  const extra = await loadFolderPlugins(join(dirname(path), raw.name));
  if (extra.length === 0) return parseNetworkConfigList(bytes, path);
  const inline = Array.isArray(raw.plugins) ? (raw.plugins as unknown[]) : [];
  return parseNetworkConfigList({ ...raw, plugins: [...inline, ...extra] }, path);
}

/** The list named `name` in `dir`: *.conflist first, then *.conf / *.json. */
export async function loadNetworkConfigList(dir: string, name: string): Promise<NetworkConfigList> {
  const files = await listConfFiles(dir);
  const ordered = [
    ...files.filter((f) => extname(f) === ".conflist"),
    ...files.filter((f) => extname(f) !== ".conflist"),
  ];
  const skipped: string[] = [];
  for (const file of ordered) {
    try {
      const list = await loadNetworkConfigFile(file);
      if (list.name === name) return list;
    } catch (err) {
      skipped.push(`${basename(file)}: ${err instanceof CniError ? err.msg : String(err)}`);
    }
  }
  const looked = ordered.map((f) => basename(f));
  throw new CniError({
    kind: "invalid-config",
    code: CniErrorCode.InvalidNetworkConfig,
    msg: `no network configuration named "${name}" in ${dir} (looked at: ${looked.length > 0 ? looked.join(", ") : "no *.conflist, *.conf or *.json files"})`,
    ...(skipped.length > 0 ? { details: `unreadable files skipped: ${skipped.join("; ")}` } : {}),
    network: name,
  });
}

async function readConf(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CniError({
      kind: "invalid-config",
      code: CniErrorCode.IoFailure,
      msg: `cannot read network configuration ${path}: ${code ?? String(err)}`,
      source: path,
      cause: err,
    });
  }
}

function isListWithFolder(raw: unknown): raw is JsonObject & { name: string } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return false;
  const o = raw as JsonObject;
  const isList = "plugins" in o || typeof o.type !== "string";
  const inlinedOnly = o.loadOnlyInlinedPlugins === true || o.loadOnlyInlinedPlugins === "true";
  return isList && !inlinedOnly && typeof o.name === "string" && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.name);
}

async function loadFolderPlugins(folder: string): Promise<JsonObject[]> {
  const files = await listConfFiles(folder, [".conf"]);
  const plugins: JsonObject[] = [];
  for (const file of files) {
    const bytes = await readConf(file);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      throw new CniError({
        kind: "invalid-config",
        code: CniErrorCode.DecodeFailure,
        msg: `error parsing plugin configuration ${file}: ${(err as Error).message}`,
        source: file,
        cause: err,
      });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new CniError({
        kind: "invalid-config",
        code: CniErrorCode.InvalidNetworkConfig,
        msg: `plugin configuration ${file} must be a JSON object`,
        source: file,
      });
    }
    plugins.push(value as JsonObject);
  }
  return plugins;
}
