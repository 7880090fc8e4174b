// A pass's last step: CNI GC per network with the attachments still valid. The runtime DELs what its
// cache holds for any other attachment (libcni GCNetworkList) and sends GC to plugins run at ≥ 1.1.0
// (it skips older ones). Networks come from the saved attachments and from the cache itself, so
// one that no attachment names any more is collected too. Each network runs with no ADD/DEL in
// flight (CNI), so it holds the GC lock alone, for at most gcTimeoutMs; one that times out is
// backed off. Nothing is collected while a saved record cannot be read: what it holds is unknown.
// What is valid is read again under each network's lock: an ADD or hot-plug that finished between
// networks (or while stale sandboxes were detached) is saved, so its attachment is kept.
// A network whose chain is netattach's own shim is never collected: the shim would call netattachd's
// GC back while this pass holds the GC lock, and deadlock every ADD and DEL of the node meanwhile.
import { anySignal, timeoutSignal } from "./call-deadline.js";
import type { Attachment, NetworkConfigList } from "../cni/index.js";
import { isCniError } from "../cni/index.js";
import { isDaemonError } from "../errors/daemon-error.js";
import { isUnreadable, type AttachmentRecord, type UnreadableEntry } from "./attachment-store.js";
import type { DetachDeps } from "./detach.js";
import { delegateList } from "./delegate-invocation.js";
import { isTimeout, toDaemonError } from "./cni-error.js";
import { describeBackoff, type GcBackoff } from "./gc-backoff.js";
import { pinForStaleCache } from "./netns-rules.js";
import type { Pass } from "./gc-stale.js";
import { shimPlace } from "../resolve/index.js";

export interface GcNetworksDeps extends DetachDeps {
  readonly backoff: GcBackoff;
  /** Bound of one network's CNI GC (its stale DELs and GC commands), while every ADD/DEL waits. */
  readonly gcTimeoutMs: number;
}

interface NetworkGc {
  readonly list: NetworkConfigList;
  readonly valid: Attachment[];
}

/** Returns notes: what CNI GC skipped this pass, and why. */
export async function gcNetworks(
  deps: GcNetworksDeps,
  valid: readonly AttachmentRecord[],
  pass: Pass & { readonly wait: boolean },
): Promise<string[]> {
  if (pass.unreadable.length > 0) {
    const note = unreadableNote(pass.unreadable);
    pass.log.warn({ unreadable: pass.unreadable.map((u) => u.containerId) }, note);
    return [note];
  }
  const networks = (await networksToCollect(deps, valid, pass.errors)).filter((n) => {
    const shim = shimPlace(n.list);
    if (shim !== undefined) pass.log.warn({ network: n.list.name }, `CNI GC skipped: ${shim}, netattach's own shim`);
    return shim === undefined;
  });
  const staleOf = async (n: NetworkGc): Promise<Attachment[]> => {
    const keep = new Set(n.valid.map(key));
    return (await deps.runtime.getCachedAttachments(n.list.name)).filter((a) => !keep.has(key(a)));
  };
  const report = (
    n: NetworkGc,
    stale: readonly Attachment[],
    outcome: "removed" | "would-remove" | "failed",
    message?: string,
  ): void => {
    for (const a of stale) {
      pass.items.push({
        containerId: a.containerId,
        netns: "",
        reason: "stale-cache",
        outcome,
        interfaces: [{ network: n.list.name, ifName: a.ifName, ips: [] }],
        ...(message !== undefined ? { message } : {}),
      });
    }
  };
  if (pass.dryRun) {
    for (const n of networks) report(n, await staleOf(n), "would-remove");
    return [];
  }
  const notes: string[] = [];
  const busy: string[] = [];
  for (const n of networks) {
    const backoffKey = `network:${n.list.name}`;
    const waits = pass.wait ? undefined : deps.backoff.waiting(backoffKey, deps.now().getTime());
    if (waits !== undefined) {
      notes.push(describeBackoff(waits, `network "${n.list.name}": CNI GC timed out`));
      continue;
    }
    // The lock per network, not per pass: ADD/DEL calls waiting for it run between networks.
    const ran = await pass.locks.exclusive(pass.wait, pass.signal, async (signal) => {
      const saved = await savedNow(deps);
      if (saved.unreadable.length > 0) {
        notes.push(unreadableNote(saved.unreadable, `network "${n.list.name}": `));
        return true;
      }
      const now = { ...n, valid: validByNetwork(saved.records, []).get(n.list.name)?.valid ?? [] };
      const stale = await staleOf(now);
      const bounded = anySignal([signal, timeoutSignal(deps.gcTimeoutMs)]);
      let failure: string | undefined;
      try {
        await deps.runtime.gcNetworkList(
          n.list,
          { validAttachments: now.valid },
          {
            signal: bounded,
            pluginTimeoutMs: deps.gcTimeoutMs,
            pinStale: (s, sig) => pinForStaleCache(deps, s, sig),
          },
        );
        deps.backoff.succeeded(backoffKey);
      } catch (err) {
        failure = toDaemonError(err, { network: n.list.name, phase: "gc" }, bounded).message;
        if (!signal.aborted && timedOut(err, bounded)) {
          const s = deps.backoff.failed(backoffKey, deps.now().getTime());
          failure += ` (bound: reconcile.gcTimeoutMs ${deps.gcTimeoutMs} ms; ${describeBackoff(s, "timed out")})`;
        }
        pass.errors.push(failure);
      }
      const left = new Set((await deps.runtime.getCachedAttachments(n.list.name)).map(key));
      report(
        n,
        stale.filter((a) => !left.has(key(a))),
        "removed",
      );
      report(
        n,
        stale.filter((a) => left.has(key(a))),
        "failed",
        failure,
      );
      return true;
    });
    if (ran === undefined) busy.push(n.list.name);
  }
  if (busy.length > 0 && busy.length === networks.length)
    notes.push("CNI GC skipped this pass: ADD/DEL calls were in flight");
  else if (busy.length > 0)
    notes.push(`CNI GC skipped network(s) ${busy.join(", ")} this pass: ADD/DEL calls were in flight`);
  return notes;
}

/** A plugin killed at its deadline, or the network's whole bound spent. */
function timedOut(err: unknown, bounded: AbortSignal): boolean {
  if (bounded.aborted && isTimeout(bounded.reason)) return true;
  const cni = isDaemonError(err) ? err.cause : err;
  if (!isCniError(cni)) return false;
  if (cni.kind === "timeout") return true;
  return cni.cause instanceof AggregateError && cni.cause.errors.some((e) => isCniError(e) && e.kind === "timeout");
}

/** Why CNI GC collects nothing: which records cannot be read, and what ends that. */
function unreadableNote(unreadable: readonly UnreadableEntry[], where = ""): string {
  const corrupt = unreadable.filter((u) => u.read.state === "corrupt").map((u) => u.containerId);
  const tooNew = unreadable.filter((u) => u.read.state === "too-new").map((u) => u.containerId);
  const which = [
    ...(corrupt.length > 0 ? [`container ${corrupt.join(", ")}`] : []),
    ...(tooNew.length > 0 ? [`written by a newer netattachd: container ${tooNew.join(", ")}`] : []),
  ].join("; ");
  const until = [
    ...(tooNew.length > 0 ? ["netattachd is rolled forward to a release that reads the newer records"] : []),
    ...(corrupt.length > 0 ? [`each${tooNew.length > 0 ? " corrupt one" : ""} is repaired or removed`] : []),
  ].join(" and ");
  return `${where}CNI GC skipped: ${unreadable.length} saved record(s) cannot be read (${which}); what they hold is unknown, so no cached attachment is collected until ${until}`;
}

/** Every record saved now, attachments and orphans alike: each of their delegates is valid. */
async function savedNow(deps: DetachDeps): Promise<{ records: AttachmentRecord[]; unreadable: UnreadableEntry[] }> {
  const records: AttachmentRecord[] = [];
  const unreadable: UnreadableEntry[] = [];
  const all = { absentIsUnknown: true }; // lost records must not make their attachments stale
  for (const { containerId, read } of [...(await deps.store.list(all)), ...(await deps.orphans.list(all))]) {
    if (read.state === "found") records.push(read.record);
    else if (isUnreadable(read)) unreadable.push({ containerId, read });
  }
  return { records, unreadable };
}

/** Each network by config name (as the runtime caches it) with its valid attachments; cached-only networks last. */
async function networksToCollect(
  deps: DetachDeps,
  valid: readonly AttachmentRecord[],
  errors: string[],
): Promise<NetworkGc[]> {
  const byName = validByNetwork(valid, errors);
  for (const list of await deps.runtime.getCachedNetworks())
    if (!byName.has(list.name)) byName.set(list.name, { list, valid: [] });
  return [...byName.values()];
}

/** The saved records' delegates, by network config name. */
function validByNetwork(valid: readonly AttachmentRecord[], errors: string[]): Map<string, NetworkGc> {
  const byName = new Map<string, NetworkGc>();
  for (const { plan } of valid) {
    for (const delegate of plan.delegates) {
      let list: NetworkConfigList;
      try {
        list = delegateList(delegate, "gc");
      } catch (err) {
        errors.push(isDaemonError(err) ? err.message : String(err));
        continue;
      }
      const entry = byName.get(list.name) ?? { list, valid: [] };
      entry.valid.push({ containerId: plan.containerId, ifName: delegate.ifName });
      byName.set(list.name, entry);
    }
  }
  return byName;
}

function key(a: Attachment): string {
  return `${a.containerId}\0${a.ifName}`;
}
