// Releases up to 0.1 saved attachments one directory too deep (<stateDir>/attachments/attachments/
// <id>.json). At start-up, before any call is served, each such record moves up to where the
// store reads it. rename(2) is atomic, so a crash midway leaves every record in one place or the
// other, and the next start finishes the job.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { describeIoError } from "../cni/index.js";
import { isTempFile, syncDir } from "../atomic-file/index.js";
import { recordFileId } from "./file-attachment-store.js";

export interface MigrationOutcome {
  /** Container ids whose record moved. */
  readonly moved: readonly string[];
  /** Records left where they were because the new place already holds one (never overwritten), or because moving failed. */
  readonly left: ReadonlyArray<{ readonly containerId: string; readonly why: string }>;
}

export async function migrateLegacyStore(legacyDir: string, dir: string): Promise<MigrationOutcome> {
  let names: string[];
  try {
    names = await readdir(legacyDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { moved: [], left: [] };
    throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const moved: string[] = [];
  const left: Array<{ containerId: string; why: string }> = [];
  for (const name of names.sort()) {
    const id = recordFileId(name);
    // A temp file is a write that never finished: the record it was to replace is the valid one.
    if (id === undefined) {
      if (isTempFile(name)) await rm(join(legacyDir, name), { force: true });
      continue;
    }
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
  return { moved, left };
}
