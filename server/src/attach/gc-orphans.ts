// Orphans — delegates a DEL could not release — are retried each pass through the same cleanup
// path, until everything is released. An orphan whose container id has a saved attachment again
// waits for it to go: the IPAM key (container id, interface) may now be the new attachment's.
// One whose retries keep failing is backed off in background passes (each retry costs its
// plugins' DELs, a hanging one its whole deadline); it stays listed as orphaned meanwhile.
// A delegate whose chain is netattach's own shim (saved before the resolver refused such networks)
// is dropped without a DEL: the shim would call netattachd back for this container under this very
// lock and deadlock the pass; its ADD never got that lock either, so it holds nothing.
import { isDaemonError } from "../errors/daemon-error.js";
import { describeUnreadable, isUnreadable, type AttachmentRecord, type HistoryEntry } from "./attachment-store.js";
import type { DetachDeps } from "./detach.js";
import { interfaceSummaries } from "./list-attachments.js";
import { holding, pinForDelete } from "./netns-rules.js";
import { releaseDelegates, releaseTarget, type Released } from "./release-delegates.js";
import { shimPlace } from "../resolve/index.js";
import { settleRelease } from "./settle-release.js";
import type { Pass } from "./gc-stale.js";
import { describeBackoff, type GcBackoff } from "./gc-backoff.js";

/** Returns the orphans still kept (their delegates count as valid for CNI GC). */
export async function retryOrphans(
  deps: DetachDeps & { readonly backoff: GcBackoff },
  pass: Pass,
): Promise<AttachmentRecord[]> {
  const kept: AttachmentRecord[] = [];
  for (const { containerId, read } of await deps.orphans.list()) {
    if (isUnreadable(read)) {
      pass.unreadable.push({ containerId, read });
      pass.errors.push(
        `container ${containerId}: orphan record ${read.path} ${describeUnreadable(read)}; left in place, never reconciled`,
      );
      continue;
    }
    if (read.state !== "found") continue;
    const item = {
      containerId,
      pod: read.record.plan.pod,
      netns: read.record.plan.netns,
      reason: "orphaned" as const,
      interfaces: interfaceSummaries(read.record),
    };
    if ((await deps.store.load(containerId)).state !== "missing") {
      pass.items.push({
        ...item,
        outcome: "orphaned",
        message: "waits: the container id has a saved attachment again",
      });
      kept.push(read.record);
      continue;
    }
    if (pass.dryRun) {
      pass.items.push({ ...item, outcome: "would-remove", message: read.record.cause ?? "" });
      kept.push(read.record);
      continue;
    }
    const backoffKey = `orphan:${containerId}`;
    const waits = pass.background ? deps.backoff.waiting(backoffKey, deps.now().getTime()) : undefined;
    if (waits !== undefined) {
      const message = `${read.record.cause ?? ""}; ${describeBackoff(waits, "retried without success")}`;
      pass.items.push({ ...item, outcome: "orphaned", message });
      kept.push(read.record);
      continue;
    }
    const failedAgain = (): string =>
      describeBackoff(deps.backoff.failed(backoffKey, deps.now().getTime()), "retried without success");
    try {
      const done = await pass.locks.container(containerId, pass.signal, (signal) =>
        retry(deps, containerId, { signal, log: pass.log.child({ containerId }) }),
      );
      const left = done.ran ? done.value : read.record;
      if (left === undefined) {
        deps.backoff.succeeded(backoffKey);
        pass.items.push({ ...item, outcome: "removed" });
      } else {
        const message = done.ran ? `${left.cause ?? ""}; ${failedAgain()}` : (left.cause ?? "");
        pass.items.push({ ...item, outcome: "orphaned", message });
        kept.push(left);
      }
    } catch (err) {
      const message = isDaemonError(err) || err instanceof Error ? err.message : String(err);
      pass.errors.push(`container ${containerId}: retrying its orphaned delegates: ${message}; ${failedAgain()}`);
      pass.items.push({ ...item, outcome: "failed", message });
      kept.push(read.record);
    }
  }
  return kept;
}

/** One retry; the orphan record as it is left, or undefined when everything was released. */
async function retry(
  deps: DetachDeps,
  containerId: string,
  call: { signal: AbortSignal; log: Pass["log"] },
): Promise<AttachmentRecord | undefined> {
  const read = await deps.orphans.load(containerId);
  if (read.state !== "found") return undefined;
  const record = read.record;
  const shims = record.plan.delegates.filter((d) => shimPlace(d.config) !== undefined);
  const others = record.plan.delegates.filter((d) => !shims.includes(d));
  const pinned = await pinForDelete(deps, record, call.signal);
  const ran = await holding(pinned, () =>
    releaseDelegates(deps, releaseTarget(record.plan, pinned), others, "reconcile", call, record.results),
  );
  const dropped: Released[] = shims.map((delegate) => ({ delegate, how: "deleted" }));
  const outcome = { ...ran, delegates: [...ran.delegates, ...dropped] };
  const released: HistoryEntry[] = outcome.delegates
    .filter((r) => r.how === "deleted" || r.how === "cleaned")
    .map((r) => ({
      time: deps.now().toISOString(),
      event: "released",
      network: r.delegate.network,
      ifName: r.delegate.ifName,
      message: shims.includes(r.delegate)
        ? `dropped without a DEL: ${shimPlace(r.delegate.config) ?? ""}, netattach's own shim, which would deadlock on this container's lock`
        : r.how === "deleted"
          ? "the plugin's DEL succeeded on retry"
          : "released by netattach on retry",
    }));
  const settled = await settleRelease(
    deps,
    record,
    { ...outcome, history: [...outcome.history, ...released] },
    "orphans",
    undefined,
    call.log,
  );
  for (const r of released) {
    deps.events.emit({
      kind: "orphan",
      outcome: "ok",
      time: deps.now(),
      containerId,
      pod: record.plan.pod,
      network: r.network,
      ifName: r.ifName,
      phase: "reconcile",
      message: r.message,
    });
  }
  if (settled.orphaned.length + settled.interrupted.length === 0) {
    call.log.info({ containerId }, "orphaned delegates released");
    return undefined;
  }
  const left = await deps.orphans.load(containerId);
  return left.state === "found" ? left.record : undefined;
}
