// What netattachd's state dir still holds that an uninstall would leak: once the conflist is gone
// the runtime tears pods down with the cluster network's conf alone, so a secondary network's DEL
// never runs again and nothing is left to retry an orphan. Read from the store itself, not asked
// of the daemon: the DaemonSet may be gone already, and the daemon's list is this store anyway.
import { stat } from "node:fs/promises";
import { createFileAttachmentStore, isUnreadable, type AttachmentRecord } from "../../../server/src/attach/index.js";
import { stateLayout } from "../../../server/src/config/index.js";

export interface SavedAttachments {
  /** Pods (namespace/name, or the container id) whose saved attachment holds a secondary network. */
  readonly withSecondaries: readonly string[];
  /** Saved records of delegates a DEL could not release, still retried by netattachd's reconciler. */
  readonly orphans: number;
  /** Saved attachments that cannot be read: what they hold is unknown. */
  readonly unreadable: number;
  /** Of those, the ones a newer netattachd wrote (whole, in a format this release does not read). */
  readonly tooNew: number;
}

export async function savedAttachments(stateDir: string): Promise<SavedAttachments> {
  const layout = stateLayout({ stateDir });
  const withSecondaries: string[] = [];
  let unreadable = 0;
  let tooNew = 0;
  // Records a release up to 0.1 saved one directory too deep count as well (a node whose netattachd
  // has not started since, so never moved them); a current record of the same container wins.
  const current = await list(layout.attachmentsDir);
  const ids = new Set(current.map((e) => e.containerId));
  const legacy = (await list(layout.legacyAttachmentsDir)).filter((e) => !ids.has(e.containerId));
  for (const { containerId, read } of [...current, ...legacy]) {
    if (read.state === "too-new") tooNew++;
    if (isUnreadable(read)) unreadable++;
    else if (read.state === "found" && hasSecondary(read.record)) withSecondaries.push(podOf(read.record, containerId));
  }
  return { withSecondaries, orphans: (await list(layout.orphansDir)).length, unreadable, tooNew };
}

export function isEmpty(s: SavedAttachments): boolean {
  return s.withSecondaries.length === 0 && s.orphans === 0 && s.unreadable === 0;
}

/** "2 saved attachment(s) with secondary networks (default/a, default/b), 1 orphan record(s)". */
export function describeSaved(s: SavedAttachments): string {
  const shown = 5;
  const pods = s.withSecondaries.slice(0, shown).join(", ") + (s.withSecondaries.length > shown ? ", …" : "");
  return [
    s.withSecondaries.length > 0
      ? `${s.withSecondaries.length} saved attachment(s) with secondary networks (${pods})`
      : "",
    s.orphans > 0 ? `${s.orphans} orphan record(s) of delegates not yet released` : "",
    s.unreadable > 0
      ? `${s.unreadable} unreadable saved attachment(s)${s.tooNew > 0 ? ` (${s.tooNew} written by a newer netattachd: roll it forward and let it release them)` : ""}`
      : "",
  ]
    .filter((part) => part !== "")
    .join(", ");
}

/** The store's own listing; a directory that does not exist holds nothing (and is not created). The state dir's own absence is install's to judge. */
async function list(dir: string): ReturnType<ReturnType<typeof createFileAttachmentStore>["list"]> {
  const exists = await stat(dir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw new Error(`cannot read ${dir}: ${err.message}`, { cause: err });
    },
  );
  return exists ? createFileAttachmentStore(dir).list() : [];
}

const hasSecondary = (r: AttachmentRecord): boolean => r.plan.delegates.some((d) => !d.isDefault);

function podOf(r: AttachmentRecord, containerId: string): string {
  const { namespace, name } = r.plan.pod;
  return namespace !== "" && name !== "" ? `${namespace}/${name}` : `container ${containerId}`;
}
