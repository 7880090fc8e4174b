// AttachmentStore on disk: <dir>/<containerId>.json, one atomic file per container (the daemon's
// dirs are <stateDir>/attachments and <stateDir>/orphans, see stateLayout).
// Every write fsyncs the file; the directory is fsynced only when a record's name is new to it.
// Later rewrites and removals skip that: a power loss may then bring back the previous record,
// whole, which DEL handles (its plan lists every delegate; deleting one twice is harmless).
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { fileKind } from "../errors/file-kind.js";
import { mkdir, readdir, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { describeIoError } from "../cni/index.js";
import { DaemonError, isDaemonError } from "../errors/daemon-error.js";
import { RECORD_VERSION, type AttachmentRecord, type AttachmentStore, type StoreRead } from "./attachment-store.js";
import { isTempFile, writeFileAtomic, type SweepFailure } from "../atomic-file/index.js";

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const EXT = ".json";

/** The container id a directory entry holds the record of; undefined for temp files and anything else. */
export function recordFileId(name: string): string | undefined {
  if (!name.endsWith(EXT) || isTempFile(name)) return undefined;
  const id = name.slice(0, -EXT.length);
  return CONTAINER_ID.test(id) ? id : undefined;
}

export function createFileAttachmentStore(dir: string): AttachmentStore {
  /** Records whose directory entry this process made durable (fsynced the directory after creating). */
  const durable = new Set<string>();
  const makeDir = (): Promise<void> =>
    mkdir(dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (err: unknown) => {
        throw storeError(`cannot create ${dir}`, dir, err);
      },
    );
  /** Made once, at first use; after that a missing directory was removed under the daemon. */
  let ready: Promise<void> | undefined;
  const ensureDir = (): Promise<void> =>
    (ready ??= makeDir().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
  /** Set once the directory vanished while this process used it: the records it held are unknown. */
  let vanished = false;
  function pathOf(containerId: string): string {
    if (!CONTAINER_ID.test(containerId)) {
      throw new DaemonError("INVALID_REQUEST", `invalid container id "${containerId}"`, { phase: "store" });
    }
    return join(dir, containerId + EXT);
  }

  async function load(containerId: string): Promise<StoreRead> {
    const path = pathOf(containerId);
    let text: string;
    let fd: number | undefined;
    try {
      // Non-blocking open, then only a regular file is read: a FIFO under a record's name would
      // block this synchronous read, and with it every call and /healthz; a directory would fail
      // every list (EISDIR). Either is one bad entry, reported as corrupt, not the store's failure.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const st = fstatSync(fd);
      if (!st.isFile()) return { state: "corrupt", path, problem: `not a regular file (${fileKind(st)})` };
      // A few KB: one synchronous read beats readFile's four thread-pool round trips.
      text = readFileSync(fd, "utf8");
    } catch (err) {
      if (isNoEntry(err)) return { state: "missing" };
      throw storeError(`cannot read ${path}`, path, err);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return decode(text, path, containerId);
  }

  return {
    async save(record) {
      const id = record.plan.containerId;
      const path = pathOf(id);
      const text = JSON.stringify(record, null, 2) + "\n";
      await ensureDir();
      try {
        try {
          await writeFileAtomic(path, text, { syncDir: !durable.has(id) });
        } catch (err) {
          if (!isNoEntry(err)) throw err;
          // The directory was removed under the daemon (an operator's rm -rf): made again, once.
          vanished = true;
          durable.clear();
          await makeDir();
          await writeFileAtomic(path, text, { syncDir: true });
        }
      } catch (err) {
        durable.delete(id);
        throw isDaemonError(err) ? err : storeError(`cannot write ${path}`, path, err);
      }
      durable.add(id);
    },
    load,
    async list(opts) {
      await ensureDir();
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (!isNoEntry(err)) throw storeError(`cannot list ${dir}`, dir, err);
        vanished = true;
        names = [];
      }
      if (vanished && opts?.absentIsUnknown === true) {
        throw new DaemonError(
          "STATE_IO",
          `${dir} was removed while netattachd ran: the attachments saved in it are unknown, so CNI GC cannot tell stale cached attachments from those of running pods and collects none; restart netattachd to accept the loss`,
          { phase: "store", source: dir },
        );
      }
      const ids = names.map(recordFileId).filter((id): id is string => id !== undefined);
      const out: Array<{ containerId: string; read: StoreRead }> = [];
      for (const containerId of ids.sort()) {
        out.push({ containerId, read: await load(containerId) });
      }
      return out.filter((e) => e.read.state !== "missing");
    },
    async remove(containerId) {
      const path = pathOf(containerId);
      durable.delete(containerId);
      try {
        // Asynchronous: an unlink can wait for a journal commit (tens of ms now and then).
        await unlink(path);
      } catch (err) {
        if (!isNoEntry(err)) throw storeError(`cannot remove ${path}`, path, err);
      }
    },
  };
}

/** Temp files removed, and those (or the directory's listing) that could not be, each with its error. */
export interface TempFileSweep {
  readonly removed: readonly string[];
  readonly failed: readonly SweepFailure[];
}

/**
 * Removes the temp files of writes that never finished (a crash between create and rename). Start-up
 * only: a write in flight has one. Best effort: one that cannot be removed (a read-only disk) is
 * returned, not thrown, and does no harm (no reader takes a temp file for a record). A missing
 * directory has none.
 */
export async function removeTempFiles(dir: string): Promise<TempFileSweep> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    return isNoEntry(err) ? { removed: [], failed: [] } : { removed: [], failed: [{ path: dir, error: err as Error }] };
  }
  return removeTempFilesAmong(dir, names);
}

/** removeTempFiles for a caller that has listed `dir` already (`names`: its entries). */
export async function removeTempFilesAmong(dir: string, names: readonly string[]): Promise<TempFileSweep> {
  const removed: string[] = [];
  const failed: SweepFailure[] = [];
  for (const path of names.filter(isTempFile).map((n) => join(dir, n))) {
    try {
      await rm(path, { force: true });
      removed.push(path);
    } catch (err) {
      failed.push({ path, error: err as Error });
    }
  }
  return { removed, failed };
}

function decode(text: string, path: string, containerId: string): StoreRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { state: "corrupt", path, problem: "not valid JSON", cause: err };
  }
  const format = formatOf(value);
  if (typeof format === "string") return { state: "corrupt", path, problem: format };
  if (format.minReaderVersion > RECORD_VERSION) return { state: "too-new", path, ...format };
  const problem = shapeProblem(value, containerId);
  return problem === undefined
    ? { state: "found", record: value as AttachmentRecord }
    : { state: "corrupt", path, problem };
}

/** The record's format (version, and the oldest that reads it), or what makes it no record at all. */
function formatOf(v: unknown): { version: number; minReaderVersion: number } | string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return "not an object";
  const r = v as Partial<Record<keyof AttachmentRecord, unknown>>;
  if (!isFormatVersion(r.version)) return `unknown version ${JSON.stringify(r.version)}`;
  if (r.minReaderVersion === undefined) return { version: r.version, minReaderVersion: r.version };
  if (!isFormatVersion(r.minReaderVersion) || r.minReaderVersion > r.version)
    return `minReaderVersion ${JSON.stringify(r.minReaderVersion)} is not a version from 1 to its version ${r.version}`;
  return { version: r.version, minReaderVersion: r.minReaderVersion };
}

const isFormatVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/** What makes a record this netattachd reads unusable (formatOf passed it). */
function shapeProblem(v: unknown, containerId: string): string | undefined {
  const r = v as Partial<Record<keyof AttachmentRecord, unknown>>;
  const plan = r.plan as { containerId?: unknown; delegates?: unknown } | undefined;
  if (plan === undefined || plan === null || typeof plan !== "object") return "no plan";
  if (plan.containerId !== containerId) return `plan is for container ${JSON.stringify(plan.containerId)}`;
  if (!Array.isArray(plan.delegates)) return "plan has no delegates list";
  for (const d of plan.delegates as unknown[]) {
    const del = d as { network?: unknown; ifName?: unknown; config?: unknown } | null;
    if (
      del === null ||
      typeof del !== "object" ||
      typeof del.network !== "string" ||
      typeof del.ifName !== "string" ||
      typeof del.config !== "object"
    ) {
      return "a delegate lacks network, ifName or config";
    }
  }
  if (r.results === null || typeof r.results !== "object") return "no results map";
  return undefined;
}

function storeError(message: string, path: string, cause: unknown): DaemonError {
  return new DaemonError(
    "STATE_IO",
    `${message}: ${describeIoError(cause)}`,
    { phase: "store", source: path },
    { cause },
  );
}

function isNoEntry(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
