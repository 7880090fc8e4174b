// Reads the config files of a directory on every call, but parses a file again only when
// its stat changed, so edits are picked up at once and unchanged files cost one stat.
// The listing and the stats are synchronous: a config dir holds a handful of local files, and
// one stat costs microseconds, where a thread-pool round trip per file cost ~1 ms per lookup.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";

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
  /** Files that matched the extensions but could not be read. */
  readonly unreadable: readonly { readonly path: string; readonly problem: string }[];
}

export interface DirReader<T> {
  read(): Promise<DirSnapshot<T>>;
}

export function createDirReader<T>(
  dir: string,
  extensions: readonly string[],
  parse: (text: string, path: string) => T,
): DirReader<T> {
  const cache = new Map<string, { key: string; parsed: T }>();

  function readOne(path: string): DirFile<T> | { path: string; problem: string } | undefined {
    try {
      const st = statSync(path, { bigint: true });
      if (!st.isFile()) return undefined;
      const key = `${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
      const hit = cache.get(path);
      if (hit?.key === key) return { path, parsed: hit.parsed };
      const parsed = parse(readFileSync(path, "utf8"), path);
      cache.set(path, { key, parsed });
      return { path, parsed };
    } catch (err) {
      cache.delete(path);
      // Deleted between readdir and stat: it simply is not there any more.
      if (errorCode(err) === "ENOENT") return undefined;
      return { path, problem: describeIoError(err) };
    }
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
      const files: DirFile<T>[] = [];
      const unreadable: { path: string; problem: string }[] = [];
      for (const path of paths) {
        const r = readOne(path);
        if (r === undefined) continue;
        if ("problem" in r) unreadable.push(r);
        else files.push(r);
      }
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
