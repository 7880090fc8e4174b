// A pass's last step: CNI GC per network with the attachments still valid. The runtime DELs what its
// cache holds for any other attachment (libcni GCNetworkList) and sends GC to plugins run at ≥ 1.1.0
// (it skips older ones). Networks come from the saved attachments and from the cache itself, so
// one that no attachment names any more is collected too. It runs with no ADD/DEL in flight (CNI).
import type { Attachment, NetworkConfigList } from "../cni/index.js";
import { isDaemonError } from "../errors/daemon-error.js";
import type { AttachmentRecord } from "./attachment-store.js";
import type { DetachDeps } from "./detach.js";
import { delegateList } from "./delegate-invocation.js";
import { toDaemonError } from "./cni-error.js";
import type { Pass } from "./gc-stale.js";

interface NetworkGc {
  readonly list: NetworkConfigList;
  readonly valid: Attachment[];
}

/** Returns a note when CNI GC was skipped (calls in flight and `wait` false). */
export async function gcNetworks(
  deps: DetachDeps,
  valid: readonly AttachmentRecord[],
  pass: Pass & { readonly wait: boolean },
): Promise<string | undefined> {
  const networks = await networksToCollect(deps, valid, pass.errors);
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
    return undefined;
  }
  const ran = await pass.locks.exclusive(pass.wait, pass.signal, async (signal) => {
    for (const n of networks) {
      const stale = await staleOf(n);
      let failure: string | undefined;
      try {
        await deps.runtime.gcNetworkList(n.list, { validAttachments: n.valid }, { signal });
      } catch (err) {
        failure = toDaemonError(err, { network: n.list.name, phase: "gc" }, signal).message;
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
    }
    return true;
  });
  return ran === undefined ? "CNI GC skipped this pass: ADD/DEL calls were in flight" : undefined;
}

/** Each network by config name (as the runtime caches it) with its valid attachments; cached-only networks last. */
async function networksToCollect(
  deps: DetachDeps,
  valid: readonly AttachmentRecord[],
  errors: string[],
): Promise<NetworkGc[]> {
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
  for (const list of await deps.runtime.getCachedNetworks())
    if (!byName.has(list.name)) byName.set(list.name, { list, valid: [] });
  return [...byName.values()];
}

function key(a: Attachment): string {
  return `${a.containerId}\0${a.ifName}`;
}
