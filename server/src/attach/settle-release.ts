// What a release leaves in the stores. Nothing, when every delegate went. When the call was
// interrupted, the delegates still to do stay in the attachment record (phase detaching) for the
// retried DEL. Otherwise the orphaned ones go to the orphan store, merged with what it holds for
// that container already, and the attachment itself is gone: DEL has finished. An orphan record
// that cannot be read (corrupt, a newer netattachd's) is never overwritten: the orphaned
// delegates stay in the attachment record (phase orphaned), which the reconciler detaches again. A hot-plug's
// release (one network of a running sandbox) names the delegates that stay: the attachment then
// keeps them, plus any interrupted one for the sandbox's DEL, still attached.
// A finished attachment whose record cannot be removed (a read-only state disk) does not fail the
// call: every delegate is released or saved as orphaned, so the record is bookkeeping. It stays,
// logged; its delegates' DEL is idempotent, so the runtime's next DEL, the reconciler (its sandbox is
// gone) or the next start (if it says attaching or detaching) runs it again and removes it.
import type { Logger } from "pino";
import { isDaemonError } from "../errors/daemon-error.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import {
  describeUnreadable,
  MAX_HISTORY,
  type AttachmentRecord,
  type AttachmentStore,
  type HistoryEntry,
} from "./attachment-store.js";
import { describeLeft, type ReleaseOutcome, type Released } from "./release-delegates.js";

export interface SettleDeps {
  readonly store: AttachmentStore;
  readonly orphans: AttachmentStore;
  readonly now: () => Date;
}

export interface Settled {
  readonly orphaned: ReadonlyArray<Extract<Released, { how: "orphaned" }>>;
  readonly interrupted: ReadonlyArray<Extract<Released, { how: "interrupted" }>>;
}

/**
 * `record` came from the attachment store (DEL, rollback) or from the orphan store (a retry).
 * `stays`: the record's delegates that were not released and remain attached (hot-plug).
 */
export async function settleRelease(
  deps: SettleDeps,
  record: AttachmentRecord,
  outcome: ReleaseOutcome,
  from: "attachments" | "orphans",
  stays: readonly PlannedDelegate[] | undefined,
  log: Logger,
): Promise<Settled> {
  const orphaned = outcome.delegates.filter((r): r is Extract<Released, { how: "orphaned" }> => r.how === "orphaned");
  const interrupted = outcome.delegates.filter(
    (r): r is Extract<Released, { how: "interrupted" }> => r.how === "interrupted",
  );
  const id = record.plan.containerId;
  const left = [...orphaned, ...interrupted];
  const updated = (delegates: readonly PlannedDelegate[], phase: AttachmentRecord["phase"]): AttachmentRecord =>
    keep(record, delegates, phase, describeLeft(left), outcome.history, deps.now());

  if (from === "orphans") {
    if (left.length === 0) await deps.orphans.remove(id);
    else
      await deps.orphans.save(
        updated(
          left.map((r) => r.delegate),
          "orphaned",
        ),
      );
    return { orphaned, interrupted };
  }
  if (stays === undefined && interrupted.length > 0) {
    await deps.store.save(
      updated(
        left.map((r) => r.delegate),
        "detaching",
      ),
    );
    return { orphaned, interrupted };
  }
  // Orphans that cannot go to the orphan store stay in the attachment record (below).
  let unsaved: typeof orphaned = [];
  if (orphaned.length > 0) {
    const earlier = await deps.orphans.load(id);
    const fresh = updated(
      orphaned.map((r) => r.delegate),
      "orphaned",
    );
    if (earlier.state === "found") await deps.orphans.save(merge(earlier.record, fresh));
    else if (earlier.state === "missing") await deps.orphans.save(fresh);
    else {
      // Never overwritten: its delegates (a newer netattachd's, or unknown) would be lost for good.
      unsaved = orphaned;
      log.warn(
        { containerId: id, file: earlier.path, reason: earlier.state },
        `the saved orphans ${earlier.path} of container ${id} ${describeUnreadable(earlier)}; they are kept as they are, and the delegates orphaned now stay in the saved attachment (phase orphaned) for the reconciler`,
      );
    }
  }
  if (stays === undefined) {
    if (unsaved.length === 0) await removeFinished(deps.store, record, log);
    else
      await deps.store.save(
        updated(
          unsaved.map((r) => r.delegate),
          "orphaned",
        ),
      );
  } else {
    const notDone = [...interrupted, ...unsaved];
    const kept = [...stays, ...notDone.map((r) => r.delegate)];
    const cause = notDone.length > 0 ? describeLeft(notDone) : "";
    await deps.store.save(keep(record, kept, "attached", cause, outcome.history, deps.now()));
  }
  return { orphaned, interrupted };
}

/** Removes the record of an attachment whose delegates are all released or orphaned; a failure is logged. */
async function removeFinished(store: AttachmentStore, record: AttachmentRecord, log: Logger): Promise<void> {
  try {
    await store.remove(record.plan.containerId);
  } catch (err) {
    const io = (isDaemonError(err) ? err.cause : err) as NodeJS.ErrnoException | undefined;
    log.warn(
      { file: isDaemonError(err) ? err.context.source : undefined, errno: io?.code, err },
      `every delegate is released, but the saved attachment stays (phase ${record.phase}): ${err instanceof Error ? err.message : String(err)}; a later DEL, the reconciler or the next start removes it`,
    );
  }
}

/** `record` narrowed to `delegates` (and their results), with the new phase, cause and history. */
function keep(
  record: AttachmentRecord,
  delegates: readonly PlannedDelegate[],
  phase: AttachmentRecord["phase"],
  cause: string,
  history: readonly HistoryEntry[],
  now: Date,
): AttachmentRecord {
  const names = new Set(delegates.map((d) => d.ifName));
  const order = record.plan.delegates.filter((d) => names.has(d.ifName));
  return {
    ...record,
    plan: { ...record.plan, delegates: order },
    results: Object.fromEntries(Object.entries(record.results).filter(([ifName]) => names.has(ifName))),
    phase,
    cause,
    history: [...(record.history ?? []), ...history].slice(-MAX_HISTORY),
    updatedAt: now.toISOString(),
  };
}

/**
 * An earlier orphan of the same container id with a new one: the new delegate wins per interface.
 * The earlier record's fields the fresh one does not set (a newer format's) stay, and the format is
 * the newer of the two (config.md "The state dir": a rewrite keeps `version`, `minReaderVersion`).
 */
function merge(earlier: AttachmentRecord, fresh: AttachmentRecord): AttachmentRecord {
  const names = new Set(fresh.plan.delegates.map((d) => d.ifName));
  const kept = earlier.plan.delegates.filter((d) => !names.has(d.ifName));
  const explicit = earlier.minReaderVersion !== undefined || fresh.minReaderVersion !== undefined;
  const minReader = Math.max(...[earlier, fresh].map((r) => r.minReaderVersion ?? r.version));
  return {
    ...earlier,
    ...fresh,
    version: Math.max(earlier.version, fresh.version),
    ...(explicit ? { minReaderVersion: minReader } : {}),
    plan: { ...fresh.plan, delegates: [...kept, ...fresh.plan.delegates] },
    results: {
      ...Object.fromEntries(Object.entries(earlier.results).filter(([ifName]) => !names.has(ifName))),
      ...fresh.results,
    },
    cause: [earlier.cause, fresh.cause].filter((c) => c !== undefined && c !== "").join("; "),
    history: [...(earlier.history ?? []), ...(fresh.history ?? [])].slice(-MAX_HISTORY),
    createdAt: earlier.createdAt,
  };
}
