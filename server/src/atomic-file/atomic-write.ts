// One write, in two steps so a caller can start it early: the temp file is created (in the thread
// pool) when the write starts — the CNI runtime starts it before a delegate's plugins run — and
// what is left once the data is known is write, fsync and rename. open/write/close/rename are
// synchronous (microseconds on a local file system; four thread-pool round trips fewer per write);
// only fsync, which can take milliseconds, goes to the pool.
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fsync, open, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Temp files are `.<target name>.<12 hex digits>.tmp`, beside the target. The test leaves out the
 * leading dot so that the unhidden temp files of releases before 0.2's cache are swept too.
 */
const TEMP_FILE = /\.[0-9a-f]{12}\.tmp$/;

/** True for the name of a temp file of an unfinished write (what start-up sweeps remove). */
export function isTempFile(name: string): boolean {
  return TEMP_FILE.test(name);
}

/** What a temp file's name starts with, before its random part: `.<target name>`. */
const tempPrefix = (target: string): string => `.${basename(target)}`;

/** True for the name of a temp file of a write of `target` (beside it), not of any other file. */
export function isTempFileOf(target: string, name: string): boolean {
  const match = TEMP_FILE.exec(name);
  return match !== null && name.slice(0, match.index) === tempPrefix(target);
}

export interface CommitOptions {
  /** fsync the file before the rename (default true). False: a power loss may lose the new content (never tear it). */
  readonly sync?: boolean;
  /**
   * fsync the directory after the rename (default: as `sync`), so the new name survives a power
   * loss. Without it a power loss may bring back the previous file, whole.
   */
  readonly syncDir?: boolean;
}

export interface AtomicWrite {
  /** Write `data`, fsync, rename it over the target. Call once. Errors name the target (errno kept). */
  commit(data: string | Uint8Array, opts?: CommitOptions): Promise<void>;
  /** Give up: the temp file goes, the target is untouched. Never throws. */
  discard(): Promise<void>;
}

export interface StartOptions {
  /** The new file's permission bits, exactly (the umask does not narrow them); default 0600 less the umask. */
  readonly mode?: number;
  /** Create the target's directory (0700) when it is missing. */
  readonly makeDir?: boolean;
}

/** Starts creating the temp file beside `path`. */
export function startAtomicWrite(path: string, opts: StartOptions = {}): AtomicWrite {
  const dir = dirname(path);
  const temp = join(dir, `${tempPrefix(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const mode = opts.mode ?? 0o600;
  const opened = openTemp(temp, mode).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT" || opts.makeDir !== true) throw err;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return openTemp(temp, mode);
  });
  opened.catch(() => undefined); // commit reports it; discard has nothing to clean up
  return {
    async commit(data, commitOpts = {}) {
      const sync = commitOpts.sync ?? true;
      try {
        const fd = await opened;
        try {
          if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
          writeAll(fd, typeof data === "string" ? Buffer.from(data) : data);
          if (sync) await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, path);
      } catch (err) {
        unlinkQuietly(temp);
        throw withPath(err, path);
      }
      if (commitOpts.syncDir ?? sync) await syncDir(dir);
    },
    async discard() {
      let fd: number;
      try {
        fd = await opened;
      } catch {
        return;
      }
      closeSync(fd);
      unlinkQuietly(temp);
    },
  };
}

/** The whole write at once. */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: StartOptions & CommitOptions = {},
): Promise<void> {
  return startAtomicWrite(path, opts).commit(data, opts);
}

export async function syncDir(dir: string): Promise<void> {
  const fd = openSync(dir, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

const openTemp = (temp: string, mode: number): Promise<number> =>
  new Promise((resolve, reject) => open(temp, "wx", mode, (err, fd) => (err ? reject(err) : resolve(fd))));

/** Not promisify(fsync): calling the live `fsync` binding lets tests count it (syncBuiltinESMExports). */
const fsyncFd = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
}

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
