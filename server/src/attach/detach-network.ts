// DetachNetwork: one network off a running sandbox, named by its interface, by namespace/name, or
// by both (the interface must then be that network's), through the one release path of DEL (the plugin's DEL, else netattach's own cleanup, else
// orphaned for the reconciler). The other delegates stay attached and saved; network-status is
// rewritten whole. The cluster network is the sandbox's own: only the runtime's DEL removes it.
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import type { DetachNetworkRequest, DetachNetworkResult } from "./contract.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { writeStatus, type AttachDeps } from "./attach.js";
import type { DetachCall } from "./detach.js";
import { loadAttached } from "./attached-record.js";
import type { HotplugOptions } from "./attach-network.js";
import { describeLeft, releaseDelegates, releaseTarget } from "./release-delegates.js";
import { settleRelease } from "./settle-release.js";
import { holding, pinForDelete } from "./netns-rules.js";
import { recordNetworkStatus } from "./record-status.js";
import { restoreDefaultRoutes } from "./default-routes.js";
import { isNetwork } from "./network-ref.js";

const PHASE = "hotplug-del";

export type DetachNetworkDeps = Pick<
  AttachDeps,
  "runtime" | "links" | "events" | "now" | "store" | "orphans" | "netns" | "statusWriter" | "routes"
>;

export async function detachNetwork(
  deps: DetachNetworkDeps,
  req: DetachNetworkRequest,
  call: DetachCall,
  opts: HotplugOptions = {},
): Promise<DetachNetworkResult> {
  const record = await loadAttached(deps.store, req.containerId, PHASE);
  const target = pickDelegate(record, req);
  const stays = record.plan.delegates.filter((d) => d !== target);
  const { plan } = record;
  const left = { ...plan, delegates: stays };
  const results = Object.fromEntries(Object.entries(record.results).filter(([ifName]) => ifName !== target.ifName));
  const pinned = await pinForDelete(deps, record, call.signal);
  await markUnplugging(deps, { ...record, results }, target, call.log);
  const { outcome, settled, routeError } = await holding(pinned, async () => {
    const outcome = await releaseDelegates(deps, releaseTarget(plan, pinned), [target], "del", call, record.results);
    const settled = await settleRelease(deps, record, outcome, "attachments", stays, call.log);
    // A default route the removed network took over goes back to the interface that had it.
    const routeError =
      pinned !== undefined && settled.interrupted.length === 0
        ? await restoreDefaultRoutes(target, left, record.results, deps.routes, pinned.handle, call.signal).then(
            () => undefined,
            (err: unknown) => err,
          )
        : undefined;
    return { outcome, settled, routeError };
  });
  const interrupted = settled.interrupted[0];
  if (interrupted !== undefined) {
    throw new DaemonError(
      "DETACH_INCOMPLETE",
      `container ${plan.containerId}: network "${target.network}" (${target.ifName}) was not deleted before the call ended (kept for a retry): ${describeLeft(settled.interrupted)}`,
      { ...interrupted.error.context, phase: PHASE },
      { cause: interrupted.error },
    );
  }
  const networkStatus = await recordNetworkStatus({ plan: left, results });
  if (opts.writeStatus !== false) await writeStatus(deps, left, { networkStatus }, call.signal);
  // The network is gone either way; the pod without its default route is said, not hidden.
  if (routeError !== undefined) throw routeError;
  const gone = outcome.delegates.filter((r) => r.how === "deleted" || r.how === "cleaned");
  call.log.info(
    { network: target.network, ifName: target.ifName, orphaned: settled.orphaned.length > 0 },
    "network hot-unplugged",
  );
  return {
    removed: gone.map((r) => ({ network: r.delegate.network, ifName: r.delegate.ifName })),
    orphaned: settled.orphaned.map((r) => ({ network: r.delegate.network, ifName: r.delegate.ifName, cause: r.cause })),
    networkStatus,
  };
}

/**
 * Saves the record without the target's result before its plugin's DEL runs (one durable write per
 * hot-unplug), as DEL saves "detaching": a daemon that dies mid-DEL leaves a delegate with no result,
 * which the next start takes off (unfinished-adds.ts) and nothing lists as holding addresses its
 * IPAM may have released already. The release itself uses the result (`record`), and what settles
 * is saved from `record`: an interrupted DEL keeps its result, as before. A failed write is logged
 * and the hot-unplug goes on: a record left as it was is what a crash leaves without this mark.
 */
async function markUnplugging(
  deps: DetachNetworkDeps,
  /** The saved record with every result but the target's. */
  marked: AttachmentRecord,
  target: PlannedDelegate,
  log: DetachCall["log"],
): Promise<void> {
  const now = deps.now().toISOString();
  try {
    await deps.store.save({
      ...marked,
      cause: `a hot-unplug of ${target.network} (${target.ifName}) started at ${now} and has not finished`,
      updatedAt: now,
    });
  } catch (err) {
    log.warn({ err }, "hot-unplug could not save the attachment before its DEL; deleting the delegate anyway");
  }
}

/**
 * The one delegate the request names; the cluster network and an ambiguous network are refused, and
 * so is an interface that is not the named network's (it may have been re-used by another network).
 */
function pickDelegate(record: AttachmentRecord, req: DetachNetworkRequest): PlannedDelegate {
  const { plan } = record;
  const byIf = req.ifName !== undefined && req.ifName !== "";
  // No namespace is the pod's, as in a selection.
  const net =
    req.network !== undefined && req.network.namespace === ""
      ? { ...req.network, namespace: plan.pod.namespace }
      : req.network;
  if (!byIf && net === undefined) {
    throw new DaemonError("INVALID_REQUEST", "DetachNetwork names an interface, a network (namespace/name), or both", {
      phase: PHASE,
    });
  }
  const what = [
    ...(byIf ? [`interface ${quoteInput(req.ifName!)}`] : []),
    ...(net !== undefined ? [`network "${net.namespace}/${net.name}"`] : []),
  ].join(" of ");
  const found = plan.delegates.filter(
    (d) => (!byIf || d.ifName === req.ifName) && (net === undefined || isNetwork(d, net)),
  );
  if (found.length === 0) {
    const has = plan.delegates.map((d) => `${d.ifName} (${d.network})`).join(", ");
    throw new DaemonError("ATTACHMENT_NOT_FOUND", `container ${plan.containerId} has no ${what}; it has ${has}`, {
      phase: PHASE,
      source: "containerId",
    });
  }
  if (found.length > 1) {
    throw new DaemonError(
      "INVALID_REQUEST",
      `container ${plan.containerId} has ${what} on ${found.map((d) => d.ifName).join(" and ")}: name the interface`,
      { phase: PHASE, network: found[0]!.network },
    );
  }
  const target = found[0]!;
  if (target.isDefault) {
    throw new DaemonError(
      "INVALID_REQUEST",
      `${what} is the pod's cluster network (${target.ifName}): only the runtime's DEL of the sandbox removes it`,
      { phase: PHASE, network: target.network, ifName: target.ifName },
    );
  }
  return target;
}
