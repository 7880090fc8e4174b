// clusterNetwork / defaultNetworks given as an absolute path (Multus): a conf or conflist
// file, or a directory whose lexicographically first config is used.
import { stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { CONF_EXTENSIONS } from "../cni/index.js";
import { invalidConfigError, parseConfFile } from "./conf-file.js";
import { readFileWithin } from "../limits/bounded-file.js";
import { DEFAULT_INPUT_LIMITS } from "../limits/input-limits.js";
import { createDirReader, describeIoError } from "./dir-reader.js";
import type { NetworkLookup } from "./types.js";

/** `maxBytes`: limits.maxDefinitionFileBytes. */
export async function loadConfPath(
  path: string,
  maxBytes = DEFAULT_INPUT_LIMITS.maxDefinitionFileBytes,
): Promise<NetworkLookup> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    return { tried: [`path ${path} ${describeIoError(err)}`] };
  }
  return isDir ? loadFirstInDir(path, maxBytes) : loadFile(path, maxBytes);
}

async function loadFile(path: string, maxBytes: number): Promise<NetworkLookup> {
  let read: Awaited<ReturnType<typeof readFileWithin>>;
  try {
    read = await readFileWithin(path, maxBytes);
  } catch (err) {
    throw invalidConfigError(path, path, `could not be read: ${describeIoError(err)}`, err);
  }
  if ("problem" in read) throw invalidConfigError(path, path, read.problem);
  const parsed = parseConfFile(read.text, path);
  if (parsed.kind === "invalid") throw invalidConfigError(path, parsed.probableName, parsed.problem, parsed.cause);
  if (parsed.name === undefined) throw invalidConfigError(path, basename(path, extname(path)), `has no "name"`);
  return { found: { name: parsed.name, config: parsed.config, origin: { kind: "conf-file", path } } };
}

async function loadFirstInDir(dir: string, maxBytes: number): Promise<NetworkLookup> {
  const snap = await createDirReader(dir, CONF_EXTENSIONS, () => undefined).read();
  const paths = [...snap.files.map((f) => f.path), ...snap.unreadable.map((u) => u.path)].sort();
  const first = paths[0];
  if (snap.dirProblem !== undefined) return { tried: [`directory ${dir} ${snap.dirProblem}`] };
  if (first === undefined) return { tried: [`directory ${dir} holds no ${CONF_EXTENSIONS.join("/")} file`] };
  return loadFile(first, maxBytes);
}
