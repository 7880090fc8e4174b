// One file replaced atomically: a temp file beside it is written, fsynced (optionally) and
// renamed over it, so readers see the old or the new content, never a part. The temp file
// is created when the write starts, in the thread pool: ADD starts it before its plugins
// run, and what is left once the result is known is write, fsync and rename.
import { randomBytes } from "node:crypto";
import { closeSync, fsync, open, renameSync, unlinkSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/** Temp files are `<target>.<12 hex digits>.tmp`. */
export const TEMP_FILE = /\.[0-9a-f]{12}\.tmp$/;

export interface AtomicWrite {
  /** Write `data`, fsync it when `sync`, rename it over the target. Call once. */
  commit(data: string, sync: boolean): Promise<void>;
  /** Give up: the temp file goes, the target is untouched. Never throws. */
  discard(): Promise<void>;
}

/** Starts creating the temp file; its directory is made (0700) if missing. */
export function startAtomicWrite(path: string): AtomicWrite {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const opened = openTemp(tmp).catch(async (err: NodeJS.ErrnoException) => {
    // The directory is made on first use (and again if someone removed it).
    if (err.code !== "ENOENT") throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return openTemp(tmp);
  });
  opened.catch(() => undefined); // commit reports it; discard has nothing to clean up
  return {
    async commit(data, sync) {
      const fd = await opened;
      try {
        try {
          const bytes = Buffer.from(data);
          for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
          if (sync) await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, path);
      } catch (err) {
        unlinkQuietly(tmp);
        throw withPath(err, path);
      }
    },
    async discard() {
      let fd: number;
      try {
        fd = await opened;
      } catch {
        return;
      }
      closeSync(fd);
      unlinkQuietly(tmp);
    },
  };
}

const openTemp = (tmp: string): Promise<number> =>
  new Promise((resolve, reject) => open(tmp, "wx", 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));

/** Not promisify(fsync): calling the live `fsync` binding lets tests count it and benchmarks time it (syncBuiltinESMExports). */
const fsyncFd = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

/** write(2) and fsync(2) errors carry no path: name the file they were for. */
function withPath(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code === "string" && e.path === undefined) e.path = path;
  return err;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to clean up
  }
}
