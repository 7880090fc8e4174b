// Before the daemon serves its first call: what a previous daemon left half done goes. Records move
// from the pre-0.2 store path; processes it started that outlived it are killed (nothing may still
// change a sandbox while DELs are served); temp files of writes it never finished, and result cache
// entries that cannot be read, are removed. That removal is best effort: a file that cannot be
// removed (a read-only state disk) is harmless where it is, and a daemon that exits over it leaves
// every DEL of the node failing; it is a warn line, and the next start tries again.
import type { Logger } from "pino";
import { describeIoError, killLeftoverPlugins, type CacheSweep, type CniRuntime } from "../cni/index.js";
import type { SweepFailure } from "../atomic-file/index.js";
import type { StateLayout } from "../config/index.js";
import { migrateLegacyStore, removeTempFiles } from "../attach/index.js";

export interface StartupCleanupDeps {
  readonly layout: StateLayout;
  readonly runtime: CniRuntime;
  /** The owner mark the exec seam puts on plugins (the state dir). */
  readonly pluginOwner: string;
  readonly log: Logger;
}

export async function startupCleanup(deps: StartupCleanupDeps): Promise<void> {
  const { layout, log } = deps;
  const migrated = await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir);
  if (migrated.moved.length > 0)
    log.info(
      { from: layout.legacyAttachmentsDir, to: layout.attachmentsDir, containerIds: migrated.moved },
      "saved attachments moved to the current state path",
    );
  if (migrated.duplicates.length > 0)
    log.info(
      { from: layout.legacyAttachmentsDir, containerIds: migrated.duplicates },
      "removed saved attachments left at the old state path: each was an exact copy of the current one",
    );
  if (migrated.conflicts.length > 0)
    log.warn(
      { from: layout.legacyAttachmentsDir, containerIds: migrated.conflicts.map((c) => c.containerId) },
      `saved attachment(s) at the old state path differ from the current one of the same container: moved aside, never used (${migrated.conflicts.map((c) => c.path).join(", ")}); compare each with the current record, then remove it`,
    );
  for (const l of migrated.left)
    log.warn(
      { containerId: l.containerId, from: layout.legacyAttachmentsDir },
      `saved attachment not moved from the old state path: ${l.why}`,
    );

  const killed = await killLeftoverPlugins(deps.pluginOwner);
  if (killed.length > 0)
    log.warn({ processes: killed }, "killed processes a previous netattachd started that were still running");

  const stores = [await removeTempFiles(layout.attachmentsDir), await removeTempFiles(layout.orphansDir)];
  const cache = await sweepCache(deps.runtime, layout.cacheDir);
  const temps = [...stores.flatMap((s) => s.removed), ...cache.tempFiles];
  if (temps.length > 0) log.info({ files: temps }, "removed temp files of writes a previous netattachd never finished");
  if (cache.corrupt.length > 0) log.warn({ files: cache.corrupt }, "removed unreadable result cache entries");
  const failures: SweepFailure[] = [...migrated.failed, ...stores.flatMap((s) => s.failed), ...cache.failed];
  for (const { path, error } of failures) {
    const errno = (error as NodeJS.ErrnoException).code;
    log.warn(
      { file: path, errno, err: error },
      `could not clean up ${path}, left by a previous netattachd: ${describeIoError(error)}; left in place${errno === "EROFS" ? READ_ONLY : ""}`,
    );
  }
}

const READ_ONLY =
  "; the state dir is read-only (a disk error remount?): DELs are served, ADDs fail until it is writable again";

/** The runtime's sweep; a cache dir that cannot even be listed is one failure, like a file. */
async function sweepCache(runtime: CniRuntime, cacheDir: string): Promise<CacheSweep> {
  try {
    return await runtime.sweepCache();
  } catch (err) {
    return { tempFiles: [], corrupt: [], failed: [{ path: cacheDir, error: err as Error }] };
  }
}
