// Releases up to 0.1 saved attachments one directory too deep (<stateDir>/attachments/attachments/
// <id>.json). At start-up, before any call is served, each such record moves up to where the
// store reads it. rename(2) is atomic, so a crash midway leaves every record in one place or the
// other, and the next start finishes the job. Like the rest of start-up cleanup it is best effort:
// on a read-only state disk what cannot move stays, named, and the daemon still starts to serve DELs.
// A legacy record whose container already has a current one (a half-done hand migration, a restored
// backup) is decided at once, never left to be promoted once the pod's DEL removed the current one
// (a ghost attachment): the same bytes → the legacy copy goes; different → it moves aside, beside
// the current one, as <id>.json.legacy-conflict, a name no listing or sweep reads.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { describeIoError } from "../cni/index.js";
import { syncDir, type SweepFailure } from "../atomic-file/index.js";
import { recordFileId, removeTempFilesAmong } from "./file-attachment-store.js";

export interface MigrationOutcome {
  /** Container ids whose record moved. */
  readonly moved: readonly string[];
  /** Container ids whose legacy record was the current one's exact copy: removed. */
  readonly duplicates: readonly string[];
  /** Legacy records that differ from the current one of their container: moved aside, never used. */
  readonly conflicts: ReadonlyArray<{ readonly containerId: string; readonly path: string }>;
  /** Records left where they were because moving (or telling them from the current one) failed. */
  readonly left: ReadonlyArray<{ readonly containerId: string; readonly why: string }>;
  /** Temp files of unfinished writes in the old directory that could not be removed. */
  readonly failed: readonly SweepFailure[];
}

/** What a legacy record that differs from the current one is renamed to, in the current directory. */
const LEGACY_CONFLICT_SUFFIX = ".legacy-conflict";

export async function migrateLegacyStore(legacyDir: string, dir: string): Promise<MigrationOutcome> {
  const none = { moved: [], duplicates: [], conflicts: [], left: [] };
  let names: string[];
  try {
    names = await readdir(legacyDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ...none, failed: code === "ENOENT" ? [] : [{ path: legacyDir, error: err as Error }] };
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
    return { ...none, left: records.map(({ id }) => ({ containerId: id, why: describeIoError(err) })), failed };
  }
  const moved: string[] = [];
  const duplicates: string[] = [];
  const conflicts: Array<{ containerId: string; path: string }> = [];
  const left: Array<{ containerId: string; why: string }> = [];
  for (const { id, name } of records) {
    const from = join(legacyDir, name);
    const target = join(dir, name);
    try {
      if (!existsSync(target)) {
        await rename(from, target);
        moved.push(id);
      } else if ((await readFile(from)).equals(await readFile(target))) {
        await rm(from);
        duplicates.push(id);
      } else {
        const aside = asideName(target);
        await rename(from, aside);
        conflicts.push({ containerId: id, path: aside });
      }
    } catch (err) {
      left.push({ containerId: id, why: describeIoError(err) });
    }
  }
  if (moved.length > 0 || conflicts.length > 0) await syncDir(dir);
  if (left.length === 0) await rmdir(legacyDir).catch(() => undefined);
  return { moved, duplicates, conflicts, left, failed };
}

/** `<id>.json.legacy-conflict`, or `…-2`, `…-3` when an earlier conflict holds that name: never overwritten. */
function asideName(target: string): string {
  const base = target + LEGACY_CONFLICT_SUFFIX;
  let path = base;
  for (let n = 2; existsSync(path); n++) path = `${base}-${n}`;
  return path;
}
