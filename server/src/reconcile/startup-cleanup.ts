// Before the daemon serves its first call: what a previous daemon left half done goes. Records move
// from the pre-0.2 store path; processes it started that outlived it are killed (nothing may still
// change a sandbox while DELs are served); temp files of writes it never finished, and result cache
// entries that cannot be read, are removed.
import type { Logger } from "pino";
import { killLeftoverPlugins, type CniRuntime } from "../cni/index.js";
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
  for (const l of migrated.left)
    log.warn(
      { containerId: l.containerId, from: layout.legacyAttachmentsDir },
      `saved attachment not moved from the old state path: ${l.why}`,
    );

  const killed = await killLeftoverPlugins(deps.pluginOwner);
  if (killed.length > 0)
    log.warn({ processes: killed }, "killed processes a previous netattachd started that were still running");

  const temps = [...(await removeTempFiles(layout.attachmentsDir)), ...(await removeTempFiles(layout.orphansDir))];
  const cache = await deps.runtime.sweepCache();
  if (temps.length + cache.tempFiles.length > 0)
    log.info(
      { files: [...temps, ...cache.tempFiles] },
      "removed temp files of writes a previous netattachd never finished",
    );
  if (cache.corrupt.length > 0) log.warn({ files: cache.corrupt }, "removed unreadable result cache entries");
}
