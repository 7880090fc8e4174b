// Releases up to 0.1 saved attachments one directory too deep (<stateDir>/attachments/attachments/
// <id>.json). At start-up, before any call is served, each such record moves up to where the
// store reads it. rename(2) is atomic, so a crash midway leaves every record in one place or the
// other, and the next start finishes the job. Like the rest of start-up cleanup it is best effort:
// on a read-only state disk what cannot move stays, named, and the daemon still starts to serve DELs.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { describeIoError } from "../cni/index.js";
import { syncDir, type SweepFailure } from "../atomic-file/index.js";
import { recordFileId, removeTempFilesAmong } from "./file-attachment-store.js";

export interface MigrationOutcome {
  /** Container ids whose record moved. */
  readonly moved: readonly string[];
  /** Records left where they were because the new place already holds one (never overwritten), or because moving failed. */
  readonly left: ReadonlyArray<{ readonly containerId: string; readonly why: string }>;
  /** Temp files of unfinished writes in the old directory that could not be removed. */
  readonly failed: readonly SweepFailure[];
}

export async function migrateLegacyStore(legacyDir: string, dir: string): Promise<MigrationOutcome> {
  let names: string[];
  try {
    names = await readdir(legacyDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { moved: [], left: [], failed: code === "ENOENT" ? [] : [{ path: legacyDir, error: err as Error }] };
  }
  // A temp file is a write that never finished: the record it was to replace is the valid one. The
  // one listing serves both jobs.
  const { failed } = await removeTempFilesAmong(legacyDir, names);
  const records = names.sort().flatMap((name) => {
    const id = recordFileId(name);
    return id === undefined ? [] : [{ id, name }];
  });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return { moved: [], left: records.map(({ id }) => ({ containerId: id, why: describeIoError(err) })), failed };
  }
  const moved: string[] = [];
  const left: Array<{ containerId: string; why: string }> = [];
  for (const { id, name } of records) {
    const target = join(dir, name);
    if (existsSync(target)) {
      left.push({ containerId: id, why: `${target} already exists` });
      continue;
    }
    try {
      await rename(join(legacyDir, name), target);
      moved.push(id);
    } catch (err) {
      left.push({ containerId: id, why: describeIoError(err) });
    }
  }
  if (moved.length > 0) await syncDir(dir);
  if (left.length === 0) await rmdir(legacyDir).catch(() => undefined);
  return { moved, left, failed };
}
