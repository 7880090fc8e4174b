// clusterNetwork / defaultNetworks given as an absolute path (Multus): a conf or conflist
// file, or a directory whose lexicographically first config is used.
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { CONF_EXTENSIONS } from "../cni/index.js";
import { invalidConfigError, parseConfFile } from "./conf-file.js";
import { createDirReader, describeIoError } from "./dir-reader.js";
import type { NetworkLookup } from "./types.js";

export async function loadConfPath(path: string): Promise<NetworkLookup> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    return { tried: [`path ${path} ${describeIoError(err)}`] };
  }
  return isDir ? loadFirstInDir(path) : loadFile(path);
}

async function loadFile(path: string): Promise<NetworkLookup> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw invalidConfigError(path, path, `could not be read: ${describeIoError(err)}`, err);
  }
  const parsed = parseConfFile(text, path);
  if (parsed.kind === "invalid") throw invalidConfigError(path, parsed.probableName, parsed.problem, parsed.cause);
  if (parsed.name === undefined) throw invalidConfigError(path, basename(path, extname(path)), `has no "name"`);
  return { found: { name: parsed.name, config: parsed.config, origin: { kind: "conf-file", path } } };
}

async function loadFirstInDir(dir: string): Promise<NetworkLookup> {
  const snap = await createDirReader(dir, CONF_EXTENSIONS, () => undefined).read();
  const paths = [...snap.files.map((f) => f.path), ...snap.unreadable.map((u) => u.path)].sort();
  const first = paths[0];
  if (snap.dirProblem !== undefined) return { tried: [`directory ${dir} ${snap.dirProblem}`] };
  if (first === undefined) return { tried: [`directory ${dir} holds no ${CONF_EXTENSIONS.join("/")} file`] };
  return loadFile(first);
}
