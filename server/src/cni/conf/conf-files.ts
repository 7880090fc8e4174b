// Configuration files in a directory (libcni ConfFiles): *.conf, *.conflist, *.json, sorted.
import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";

export const CONF_EXTENSIONS: readonly string[] = [".conf", ".conflist", ".json"];

/** Full paths of the matching files, sorted by name; [] when the directory is missing. */
export async function listConfFiles(dir: string, extensions: readonly string[] = CONF_EXTENSIONS): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .filter((e) => !e.isDirectory() && extensions.includes(extname(e.name)))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}
