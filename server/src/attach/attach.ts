// ADD: plan saved before anything runs, each delegate's result saved after it succeeds; on any
// failure the delegates whose plugin ran are rolled back (rollback.ts) and the first cause (in plan
// order) is returned, saying whether rollback was complete. Delegates run in stages
// (delegate-schedule.ts): the cluster network's, then the secondaries' concurrently; a stage's
// delegates all finish before a failure rolls back, and the next stage starts once its results
// are saved (one write per stage: serial has a stage per delegate).
// The store is where results are durable (the runtime's cache of them is not fsynced), and
// the last result is saved with phase "attached" in one write, overlapping what follows.
import type { CniResult, CniRuntime } from "../cni/index.js";
import { DaemonError, isDaemonError } from "../errors/daemon-error.js";
import type { RouteEditor } from "../netns/route-editor.js";
import type { NetnsGuard, PinnedNetns } from "../netns/netns-guard.js";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import type { AttachRequest, AttachResult } from "./contract.js";
import type { NetworkStatusWriter } from "./ports.js";
import {
  isUnreadable,
  RECORD_VERSION,
  unreadableRecordError,
  type AttachmentRecord,
  type AttachmentStore,
} from "./attachment-store.js";
import { preparePlan, type PrepareDeps } from "./prepare-plan.js";
import { delegateList, delegateRuntimeConf } from "./delegate-invocation.js";
import { ranNoPlugin, toDaemonError } from "./cni-error.js";
import { applyDefaultRoutes } from "./default-routes.js";
import { buildAttachResult } from "./attach-result.js";
import type { ReleaseDeps } from "./release-delegates.js";
import type { SettleDeps } from "./settle-release.js";
import { rollback } from "./rollback.js";
import { addStages, SERIAL_SCHEDULE, type DelegateSchedule } from "./delegate-schedule.js";
import { describeOrigin } from "./origin.js";
import { holding, pinNetns } from "./netns-rules.js";
import type { NetnsOwners } from "./netns-owners.js";
import { checkResultRoutes } from "./preflight/result-routes.js";
import { withPortLease, type HostPortClaims, type PortLease } from "./preflight/host-port-claims.js";
import { checkInterfacesFree } from "./interface-names.js";
import { NETWORKS_ANNOTATION, REQUEST_SELECTIONS } from "../resolve/index.js";
import type { Logger } from "pino";

export interface AttachDeps extends PrepareDeps, ReleaseDeps, SettleDeps {
  readonly runtime: CniRuntime;
  readonly statusWriter: NetworkStatusWriter;
  readonly store: AttachmentStore;
  readonly routes: RouteEditor;
  readonly netns: NetnsGuard;
  /** Which container's attachment holds which namespace: one sandbox per namespace. */
  readonly owners: NetnsOwners;
  readonly now: () => Date;
  /** How secondary networks run; serial when absent. */
  readonly schedule?: DelegateSchedule;
  /** hostPorts of ADDs in flight, which no saved record shows yet; none claimed when absent. */
  readonly hostPorts?: HostPortClaims;
}

export interface AttachCall {
  readonly signal: AbortSignal;
  /** A deadline for rollback that the caller going away does not cut short. */
  readonly rollbackSignal: () => AbortSignal;
  readonly log: Logger;
}

export async function attach(deps: AttachDeps, req: AttachRequest, call: AttachCall): Promise<AttachResult> {
  const pinned = pinNetns(deps.netns, req.netns, "add");
  return holding(pinned, () =>
    withPortLease(deps.hostPorts, req.containerId, (ports) => attachPinned(deps, req, call, pinned, ports)),
  );
}

async function attachPinned(
  deps: AttachDeps,
  req: AttachRequest,
  call: AttachCall,
  pinned: PinnedNetns,
  ports: PortLease | undefined,
): Promise<AttachResult> {
  // The pod's links, for the interface-name check below: read-only, and an exec of `ip` (in the
  // netns, ~6 ms here), so listed while the record is looked up and the plan prepared, not after.
  const links = deps.links.names(pinned.handle, { signal: call.signal });
  links.catch(() => undefined); // a refused request never looks at it
  const existing = await deps.store.load(req.containerId);
  if (isUnreadable(existing))
    throw unreadableRecordError(existing, req.containerId, "remove it after cleaning up by hand");
  if (existing.state === "found") {
    throw new DaemonError(
      "INVALID_REQUEST",
      `container ${req.containerId} already has a saved attachment (${existing.record.phase}); DEL it before ADD again`,
      { phase: "add" },
    );
  }
  const { plan, warnings } = await preparePlan(deps, req, call.signal, ports);
  for (const w of warnings) call.log.warn({ reason: w.code, networks: w.networks }, w.message);
  // Claimed once the request is known good, so a refusal names the request's own mistake first.
  const unclaim = await deps.owners.claim(pinned, req);
  try {
    // After the claim: another sandbox's interfaces in a shared namespace are the claim's refusal.
    await checkInterfacesFree(
      { names: () => links },
      { handle: pinned.handle, path: req.netns },
      plan.delegates,
      (d) =>
        d.fromDefaultNetworks === true
          ? "defaultNetworks in the daemon config"
          : req.selections !== undefined
            ? REQUEST_SELECTIONS
            : NETWORKS_ANNOTATION,
      call.signal,
    );
    return await run(deps, req, call, pinned, plan);
  } finally {
    unclaim();
  }
}

/** The planned ADD: saved, executed stage by stage, answered; rolled back on any failure. */
async function run(
  deps: AttachDeps,
  req: AttachRequest,
  call: AttachCall,
  pinned: PinnedNetns,
  plan: AttachmentPlan,
): Promise<AttachResult> {
  const created = deps.now().toISOString();
  let record: AttachmentRecord = {
    version: RECORD_VERSION,
    plan,
    results: {},
    phase: "attaching",
    netnsId: pinned.id,
    createdAt: created,
    updatedAt: created,
  };
  await deps.store.save(record);

  // Delegates whose plugin ran (ADD succeeded, or failed after running one): what rollback undoes.
  const ran = new Set<PlannedDelegate>();
  const tried = (): PlannedDelegate[] => plan.delegates.filter((d) => ran.has(d));
  const schedule = deps.schedule ?? SERIAL_SCHEDULE;
  const stages = addStages(schedule, plan, plan.delegates);
  let lastSave: Promise<Settled> | undefined;
  try {
    for (const [s, stage] of stages.entries()) {
      const outcomes = await Promise.allSettled(
        stage.map((delegate) =>
          schedule.limit(async () => {
            // CNI wants a DEL after a failed ADD, the failing delegate's too — unless no plugin of it ran.
            ran.add(delegate);
            const result = await addDelegate(deps.runtime, plan, delegate, pinned.handle, call.signal).catch(
              (err: unknown) => {
                if (ranNoPlugin(err)) ran.delete(delegate);
                throw err;
              },
            );
            record = {
              ...record,
              results: inPlanOrder(plan, { ...record.results, [delegate.ifName]: result }),
              updatedAt: deps.now().toISOString(),
            };
            call.log.debug({ network: delegate.network, ifName: delegate.ifName }, "delegate added");
          }),
        ),
      );
      const failed = firstFailure(outcomes);
      if (failed !== undefined) throw failed;
      // One write per stage, never two at once. The last carries phase "attached"; its fsync
      // overlaps default routes, the answer and the status PATCH, and any failure rolls back.
      if (s < stages.length - 1) await deps.store.save(record);
      else lastSave = settle(deps.store.save({ ...record, phase: "attached" }));
    }
    checkResultRoutes(plan, record.results, deps.preflight?.defaultRoutes, call.log);
    const gatewaysFor = await applyDefaultRoutes(plan, deps.routes, pinned.handle, call.signal);
    const answer = await buildAttachResult(plan, record.results, gatewaysFor, req.cniVersion);
    await writeStatus(deps, plan, answer, call.signal);
    const saved = await lastSave;
    if (saved?.ok === false) throw saved.error;
    call.log.info({ interfaces: answer.interfaces.map((i) => `${i.network}@${i.ifName}`) }, "attached");
    return answer;
  } catch (err) {
    // A save still in flight must land before the rollback removes or rewrites the record.
    await lastSave;
    const cause = isDaemonError(err)
      ? err
      : toDaemonError(err, { network: tried().at(-1)?.network ?? "", phase: "add" }, call.signal);
    call.log.debug({ err: cause, network: cause.context.network, reason: cause.code }, "attach failed; rolling back");
    throw await rollback(deps, record, pinned, tried(), cause, { log: call.log, signal: call.rollbackSignal() });
  }
}

type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** Results keyed in plan order whatever order the delegates finished in, so the saved record is the same as serial. */
function inPlanOrder(plan: AttachmentPlan, results: Record<string, CniResult>): Record<string, CniResult> {
  const out: Record<string, CniResult> = {};
  for (const d of plan.delegates) if (results[d.ifName] !== undefined) out[d.ifName] = results[d.ifName]!;
  return out;
}

/** The failure of the first delegate in plan order, as serial execution would have met it. */
function firstFailure(outcomes: ReadonlyArray<PromiseSettledResult<void>>): unknown {
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  return failed?.reason;
}

/** Never rejects, so a save awaited later cannot become an unhandled rejection meanwhile. */
function settle(p: Promise<void>): Promise<Settled> {
  return p.then(
    () => ({ ok: true }),
    (error: unknown) => ({ ok: false, error }),
  );
}

export async function addDelegate(
  runtime: CniRuntime,
  plan: AttachmentPlan,
  delegate: PlannedDelegate,
  /** The pinned namespace plugins enter (pinNetns). */
  handle: string,
  signal: AbortSignal,
): Promise<CniResult> {
  const list = delegateList(delegate, "add");
  try {
    // The store saves the result durably right after, so the runtime's cache skips its fsync.
    return await runtime.addNetworkList(list, delegateRuntimeConf(plan.containerId, plan.netns, delegate, handle), {
      signal,
      durableCache: false,
    });
  } catch (err) {
    throw toDaemonError(
      err,
      { network: delegate.network, ifName: delegate.ifName, phase: "add", source: describeOrigin(delegate.origin) },
      signal,
    );
  }
}

export async function writeStatus(
  deps: Pick<AttachDeps, "statusWriter">,
  plan: AttachmentPlan,
  answer: Pick<AttachResult, "networkStatus">,
  signal: AbortSignal,
): Promise<void> {
  try {
    await deps.statusWriter.write(plan.pod, answer.networkStatus, { signal });
  } catch (err) {
    if (isDaemonError(err)) throw err; // the writer's own reasons are precise (POD_UID_MISMATCH for a recreated pod, CANCELLED)
    const msg = err instanceof Error ? err.message : String(err);
    throw new DaemonError(
      "STATUS_WRITE_FAILED",
      `cannot write network-status to pod ${plan.pod.namespace}/${plan.pod.name}: ${msg}`,
      { phase: "status-write", source: `pod ${plan.pod.namespace}/${plan.pod.name}` },
      { cause: err },
    );
  }
}
