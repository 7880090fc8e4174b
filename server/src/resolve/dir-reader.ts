// Reads the config files of a directory on every call, but parses a file again only when
// its stat changed, so edits are picked up at once and unchanged files cost one stat.
// The listing and the stats are synchronous: a config dir holds a handful of local files, and
// one stat costs microseconds, where a thread-pool round trip per file cost ~1 ms per lookup.
// Contents are read asynchronously, a few files at a time and each within limits.maxDefinitionFileBytes,
// and the event loop gets a turn before each parse: a dir of thousands of files, or one huge file,
// never stalls probes and other calls. Lookups at once share a file's read and parse.
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import pLimit from "p-limit";
import { readFileWithin } from "../limits/bounded-file.js";
import { DEFAULT_INPUT_LIMITS } from "../limits/input-limits.js";

export interface DirFile<T> {
  readonly path: string;
  readonly parsed: T;
}

export interface DirSnapshot<T> {
  readonly dir: string;
  /** Why the directory itself could not be listed (absent, not a directory, no permission). */
  readonly dirProblem?: string;
  /** Files in lexicographic order of their names. */
  readonly files: readonly DirFile<T>[];
  /** Files that matched the extensions but could not be read (or are over the size limit). */
  readonly unreadable: readonly { readonly path: string; readonly problem: string }[];
}

export interface DirReader<T> {
  read(): Promise<DirSnapshot<T>>;
}

export interface DirReaderOptions {
  /** limits.maxDefinitionFileBytes: a larger file is listed as unreadable, never read. */
  readonly maxFileBytes?: number;
}

type Entry<T> = { readonly parsed: T } | { readonly problem: string } | undefined;

/** Files read at once: enough to keep the disk busy, few enough to bound what is buffered. */
const READ_CONCURRENCY = 8;

export function createDirReader<T>(
  dir: string,
  extensions: readonly string[],
  parse: (text: string, path: string) => T,
  options: DirReaderOptions = {},
): DirReader<T> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_INPUT_LIMITS.maxDefinitionFileBytes;
  const cache = new Map<string, { key: string; entry: Promise<Entry<T>> }>();
  const limit = pLimit(READ_CONCURRENCY);

  async function load(path: string): Promise<Entry<T>> {
    try {
      const read = await limit(() => readFileWithin(path, maxBytes));
      if ("problem" in read) return read;
      await nextTurn();
      return { parsed: parse(read.text, path) };
    } catch (err) {
      // Deleted between readdir and read: it simply is not there any more.
      return errorCode(err) === "ENOENT" ? undefined : { problem: describeIoError(err) };
    }
  }

  function entryOf(path: string): Promise<Entry<T>> {
    let key: string;
    try {
      const st = statSync(path, { bigint: true });
      if (!st.isFile()) return Promise.resolve(undefined);
      key = `${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
    } catch (err) {
      cache.delete(path);
      return Promise.resolve(errorCode(err) === "ENOENT" ? undefined : { problem: describeIoError(err) });
    }
    const hit = cache.get(path);
    if (hit?.key === key) return hit.entry;
    const entry = load(path);
    cache.set(path, { key, entry });
    // A failed read is tried again by the next lookup, not remembered.
    void entry.then((e) => {
      if ((e === undefined || "problem" in e) && cache.get(path)?.entry === entry) cache.delete(path);
    });
    return entry;
  }

  return {
    async read() {
      let names: string[];
      try {
        names = readdirSync(dir)
          .filter((n) => extensions.includes(extname(n)))
          .sort();
      } catch (err) {
        cache.clear();
        return { dir, dirProblem: describeIoError(err), files: [], unreadable: [] };
      }
      const paths = names.map((n) => join(dir, n));
      const present = new Set(paths);
      for (const cached of cache.keys()) if (!present.has(cached)) cache.delete(cached);
      const entries = await Promise.all(paths.map(entryOf));
      const files: DirFile<T>[] = [];
      const unreadable: { path: string; problem: string }[] = [];
      entries.forEach((e, i) => {
        const path = paths[i] as string;
        if (e === undefined) return;
        if ("problem" in e) unreadable.push({ path, problem: e.problem });
        else files.push({ path, parsed: e.parsed });
      });
      return { dir, files, unreadable };
    },
  };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

export function describeIoError(err: unknown): string {
  const code = errorCode(err);
  if (code === "ENOENT") return "does not exist";
  if (code === "ENOTDIR") return "is not a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return err instanceof Error ? err.message : String(err);
}
