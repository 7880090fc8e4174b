// A pass's first step: each saved attachment is judged, and one whose sandbox is gone is detached
// like a DEL (through detachRecord), under its container's lock — never one a call holds or waits
// for, nor one written since it was judged (an ADD finishing meanwhile).
import type { Logger } from "pino";
import { isDaemonError } from "../errors/daemon-error.js";
import type { GcItem, GcReason } from "./contract.js";
import { describeUnreadable, isUnreadable, type AttachmentRecord, type UnreadableEntry } from "./attachment-store.js";
import { detachRecord, type DetachDeps } from "./detach.js";
import { interfaceSummaries } from "./list-attachments.js";

/**
 * How far ahead of this clock a record's time may lie and still count as just written: a record
 * further ahead was written before the clock stepped back (NTP fixing a node booted with a wrong
 * clock, a restored VM), and sparing it until wall time caught up would keep a leak for as long as
 * the step. Such a record is judged at once; a minute leaves room for clocks that merely drift.
 */
const MAX_CLOCK_SKEW_MS = 60_000;

/** Decides which saved attachments have lost their sandbox (the runtime, netns existence, or the caller's valid set). */
export interface Judge {
  readonly sources: readonly string[];
  readonly notes: readonly string[];
  /** Attachments younger than this are spared (0: the caller's valid set is authoritative). */
  readonly graceMs: number;
  /** Why the attachment's sandbox is gone, or undefined when it is valid (or nobody can tell). */
  gone(record: AttachmentRecord, signal: AbortSignal): Promise<GcReason | undefined>;
}

export interface PassLocks {
  /** `fn` under the container's lock, as a DEL runs; `{ ran: false }` at once when a call holds or waits for it. */
  container<T>(
    containerId: string,
    signal: AbortSignal,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }>;
  /** `fn` with no ADD/DEL running (CNI GC); with `wait` false, undefined at once when calls are in flight. */
  exclusive<T>(wait: boolean, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
}

/** One pass's shared state: what it reports. */
export interface Pass {
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly locks: PassLocks;
  readonly dryRun: boolean;
  /** A pass in the background (the reconciler's): what backs off is not tried before its time. */
  readonly background: boolean;
  readonly errors: string[];
  readonly items: GcItem[];
  /** Saved records (attachments, orphans) that cannot be read: never reconciled. */
  readonly unreadable: UnreadableEntry[];
}

/** `kept`: the attachments that stay (what CNI GC is told is valid); `removed`: the container ids detached. */
export async function detachStale(
  deps: DetachDeps,
  judge: Judge,
  pass: Pass,
): Promise<{ kept: AttachmentRecord[]; removed: string[] }> {
  const kept: AttachmentRecord[] = [];
  const removed: string[] = [];
  const now = deps.now().getTime();
  /** Records written further ahead than MAX_CLOCK_SKEW_MS, and the furthest: one warn line per pass. */
  const ahead = { ids: [] as string[], maxMs: 0 };
  for (const { containerId, read } of await deps.store.list()) {
    if (isUnreadable(read)) {
      pass.unreadable.push({ containerId, read });
      pass.errors.push(
        `container ${containerId}: saved attachment ${read.path} ${describeUnreadable(read)}; left in place, never reconciled`,
      );
      continue;
    }
    if (read.state !== "found") continue;
    const record = read.record;
    const age = now - Date.parse(record.updatedAt);
    if (age < -MAX_CLOCK_SKEW_MS) {
      ahead.ids.push(containerId);
      ahead.maxMs = Math.max(ahead.maxMs, -age);
    }
    const young = age >= -MAX_CLOCK_SKEW_MS && age < judge.graceMs;
    const reason = young ? undefined : await judge.gone(record, pass.signal);
    if (reason === undefined) {
      kept.push(record);
      continue;
    }
    const item = {
      containerId,
      pod: record.plan.pod,
      netns: record.plan.netns,
      reason,
      interfaces: interfaceSummaries(record),
    };
    if (pass.dryRun) {
      pass.items.push({ ...item, outcome: "would-remove" });
      // Its cached results would go with its detach, not with CNI GC: not reported twice.
      kept.push(record);
      continue;
    }
    try {
      const done = await pass.locks.container(containerId, pass.signal, async (signal) => {
        const again = await deps.store.load(containerId);
        if (again.state !== "found" || again.record.updatedAt !== record.updatedAt) return undefined;
        return detachRecord(deps, again.record, { signal, log: pass.log.child({ containerId }) }, "reconcile");
      });
      if (!done.ran || done.value === undefined) {
        pass.items.push({
          ...item,
          outcome: "skipped-in-flight",
          message: "an ADD or DEL held or changed it; judged again next pass",
        });
        kept.push(record);
        continue;
      }
      removed.push(containerId);
      const { orphaned, masqueradeLeft = [] } = done.value;
      pass.items.push(
        orphaned.length === 0
          ? { ...item, outcome: "removed", ...masqueradeNote(containerId, masqueradeLeft) }
          : {
              ...item,
              outcome: "orphaned",
              message: orphaned.map((o) => `network "${o.network}" (${o.ifName}): ${o.cause}`).join("; "),
            },
      );
    } catch (err) {
      const message = isDaemonError(err) || err instanceof Error ? err.message : String(err);
      pass.errors.push(`container ${containerId}: ${message}`);
      pass.items.push({ ...item, outcome: "failed", message });
      const again = await deps.store.load(containerId).catch(() => undefined);
      if (again?.state === "found") kept.push(again.record);
    }
  }
  if (ahead.ids.length > 0) warnClockStep(pass.log, ahead.ids, ahead.maxMs);
  return { kept, removed };
}

/** What a DEL without the netns left on the host: the masquerade rules of `ipMasq` networks, and how to find them. */
function masqueradeNote(
  containerId: string,
  left: ReadonlyArray<{ readonly network: string; readonly ifName: string }>,
): { message?: string } {
  if (left.length === 0) return {};
  const networks = left.map((l) => `"${l.network}" (${l.ifName})`).join(", ");
  return {
    message:
      `removed; its netns was gone, so the ipMasq rules of network ${networks} stay on the host (the plugin reads ` +
      `the addresses to unmasquerade from the pod's interface): iptables -t nat -S | grep -F 'id: \\"${containerId}\\"' ` +
      "(docs/troubleshooting.md)",
  };
}

/** Bounded: the count, the furthest ahead, and a few ids (a node may hold hundreds of records). */
function warnClockStep(log: Logger, ids: readonly string[], maxMs: number): void {
  log.warn(
    { count: ids.length, containerIds: ids.slice(0, 10), aheadMs: maxMs },
    `${ids.length} saved attachment(s) were written up to ${Math.ceil(maxMs / 1000)} s in the future: ` +
      "the clock stepped back since; judged now instead of sparing them for the grace period",
  );
}
