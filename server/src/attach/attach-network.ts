// AttachNetwork: one more network on a running sandbox, by the rules of a full ADD — planned with
// what the pod has (hotplug-plan.ts), saved before exec so a crash leaves it for the sandbox's DEL
// (or the next start), network-status rewritten whole, its result saved once all that is done; any
// failure rolls back the new delegate alone through the one release path, and the pod's other
// interfaces and default routes stay as they were.
import { isDaemonError } from "../errors/daemon-error.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import type { AttachNetworkRequest, AttachNetworkResult } from "./contract.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { addDelegate, writeStatus, type AttachCall, type AttachDeps } from "./attach.js";
import { loadAttached } from "./attached-record.js";
import { holding, pinSavedNetns } from "./netns-rules.js";
import { planHotplug } from "./hotplug-plan.js";
import { ranNoPlugin, toDaemonError } from "./cni-error.js";
import { applyDefaultRoutes, defaultRouteGateways, undoDefaultRoutes } from "./default-routes.js";
import { buildAttachResult } from "./attach-result.js";
import { resultGateways } from "./attached-interface.js";
import { viewResult } from "./result-view.js";
import { checkResultRoutes } from "./preflight/result-routes.js";
import { withPortLease, type PortLease } from "./preflight/host-port-claims.js";
import { describeOrigin } from "./origin.js";
import { rollback } from "./rollback.js";
import type { PinnedNetns } from "../netns/netns-guard.js";
import { describePlace, REQUEST_SELECTIONS, type SelectionQuery } from "../resolve/index.js";
import { checkInterfacesFree } from "./interface-names.js";

const PHASE = "hotplug-add";

export interface HotplugOptions {
  /** False when the caller writes network-status once for several changes (annotation-driven hot-plug). */
  readonly writeStatus?: boolean;
  /** Where the selection was written, for errors; the request's selection when absent. */
  readonly place?: SelectionQuery["place"];
}

const REQUEST_PLACE = { source: REQUEST_SELECTIONS, index: 1 };

export async function attachNetwork(
  deps: AttachDeps,
  req: AttachNetworkRequest,
  call: AttachCall,
  opts: HotplugOptions = {},
): Promise<AttachNetworkResult> {
  const saved = await loadAttached(deps.store, req.containerId, PHASE);
  const pinned = pinSavedNetns(deps.netns, saved, PHASE);
  return holding(pinned, () =>
    withPortLease(deps.hostPorts, req.containerId, (ports) => hotplug(deps, req, call, opts, saved, pinned, ports)),
  );
}

async function hotplug(
  deps: AttachDeps,
  req: AttachNetworkRequest,
  call: AttachCall,
  opts: HotplugOptions,
  saved: AttachmentRecord,
  pinned: PinnedNetns,
  ports: PortLease | undefined,
): Promise<AttachNetworkResult> {
  const { plan, added, warnings } = await planHotplug(
    deps,
    saved,
    req.selection,
    opts.place ?? REQUEST_PLACE,
    call.signal,
    ports,
  );
  for (const w of warnings) call.log.warn({ reason: w.code, networks: w.networks }, w.message);
  const log = call.log.child({ network: added.network, ifName: added.ifName });
  const place = { ...(opts.place ?? REQUEST_PLACE), label: req.selection.name };
  await checkInterfacesFree(
    deps.links,
    { handle: pinned.handle, path: saved.plan.netns },
    [added],
    () => describePlace(place),
    call.signal,
  );
  let record: AttachmentRecord = { ...saved, plan, updatedAt: deps.now().toISOString() };
  await deps.store.save(record);

  let tried: PlannedDelegate[] = [added];
  let routesEdited = false;
  try {
    const result = await addDelegate(deps.runtime, plan, added, pinned.handle, call.signal).catch((err: unknown) => {
      if (ranNoPlugin(err)) tried = [];
      throw err;
    });
    // Saved once the hot-plug is complete (below): until then a crash leaves the delegate without a
    // result, which the next start takes off (unfinished-adds.ts), the pod's network-status with it.
    record = { ...record, results: { ...record.results, [added.ifName]: result }, updatedAt: deps.now().toISOString() };
    checkResultRoutes(plan, record.results, deps.preflight?.defaultRoutes, log);
    // Default routes are set again only when the new network asks for one or its result competes
    // with a request the pod already has; otherwise the other interfaces' routes are not touched.
    const settled = defaultRouteGateways(plan);
    const own = resultGateways(viewResult(result));
    const touches =
      added.defaultRoute !== undefined || (settled !== undefined && settled(added.ifName, own).join() !== own.join());
    routesEdited = touches;
    const gatewaysFor = touches ? await applyDefaultRoutes(plan, deps.routes, pinned.handle, call.signal) : settled;
    const answer = await buildAttachResult(plan, record.results, gatewaysFor, undefined);
    if (opts.writeStatus !== false) await writeStatus(deps, plan, answer, call.signal);
    await deps.store.save(record);
    const attached = answer.interfaces.find((i) => i.ifName === added.ifName)!;
    log.info({ ips: attached.ips.map((ip) => ip.address) }, "network hot-plugged");
    return { attached, networkStatus: answer.networkStatus };
  } catch (err) {
    const where = { network: added.network, ifName: added.ifName, phase: PHASE, source: describeOrigin(added.origin) };
    const cause = isDaemonError(err) ? err : toDaemonError(err, where, call.signal);
    log.warn({ err: cause, reason: cause.code }, "hot-plug failed; rolling back the new network");
    const stays = saved.plan.delegates;
    // The default routes the edit removed go back to what the sandbox had, whatever step failed.
    const undoRoutes = routesEdited
      ? (signal: AbortSignal) => undoDefaultRoutes(plan, saved.plan, saved.results, deps.routes, pinned.handle, signal)
      : undefined;
    throw await rollback(deps, record, pinned, tried, cause, { log, signal: call.rollbackSignal() }, stays, undoRoutes);
  }
}
