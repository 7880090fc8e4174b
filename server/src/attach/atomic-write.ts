// Write a file so that readers see the old or the new content, even across a crash:
// temp file in the same dir, fsync, rename, fsync the directory (skippable where the
// previous content is as good after a power loss: AtomicWriteOptions.syncDir).
// open/write/close/rename are synchronous (microseconds on a local file system; four thread-pool
// round trips fewer per write); only fsync, which can take milliseconds, goes to the pool.
import { randomBytes } from "node:crypto";
import { closeSync, fsync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export const TEMP_SUFFIX = ".tmp";

/** Not promisify(fsync): calling the live `fsync` binding lets benchmarks time it (syncBuiltinESMExports). */
const fsyncFd = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

export interface AtomicWriteOptions {
  readonly mode?: number;
  /**
   * fsync the directory after the rename (default true), so the new name survives a power
   * loss. Without it a power loss may bring back the previous file, whole; never a torn one.
   */
  readonly syncDir?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
  try {
    const fd = openSync(temp, "wx", opts.mode ?? 0o600);
    try {
      writeAll(fd, typeof data === "string" ? Buffer.from(data) : data);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    // write(2) and fsync(2) errors carry no path: name the file they were for.
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === "string" && e.path === undefined) e.path = path;
    throw err;
  }
  if (opts.syncDir !== false) await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const fd = openSync(dir, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}
