// The AttachmentService: the operations wired with locks, the concurrency bound and deadlines.
// ADD/DEL/CHECK and hot-plugs are serialised per container and exclusive with CNI GC; a GC pass detaches like a
// DEL, per container, and skips what a call holds. The sandbox's DEL cancels the hot-plugs of its
// container in flight (it removes every interface anyway): it never waits out a hung plugin's deadline.
import type { Logger } from "pino";
import type { CniRuntime, NetworkConfigList } from "../cni/index.js";
import type { RouteEditor } from "../netns/route-editor.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { NO_EVENTS, type EventSink } from "../events/attachment-event.js";
import { DEFAULTS } from "../config/index.js";
import { attachCall, detachCall, emitting, hotplugAttachCall, hotplugDetachCall } from "./call-events.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import type { NetworkResolver, PodSource } from "../resolve/index.js";
import type { PodRef } from "./attachment-plan.js";
import type { AttachmentService, CallContext } from "./contract.js";
import type { NetworkStatusWriter } from "./ports.js";
import type { AttachmentStore } from "./attachment-store.js";
import type { FindPlugin } from "./plugin-check.js";
import type { PlanOptions } from "./plan.js";
import type { PreflightDeps } from "./preflight/run-preflight.js";
import { createHostPortClaims } from "./preflight/host-port-claims.js";
import type { DefaultNetworksConfig } from "./default-network-marks.js";
import type { PodLinks } from "../netns/pod-links.js";
import { netnsTruth, type SandboxTruth } from "./sandbox-truth.js";
import { createNetnsOwners } from "./netns-owners.js";
import type { PassLocks } from "./gc-stale.js";
import { createCallLimits } from "./call-limits.js";
import { createDelegateSchedule } from "./delegate-schedule.js";
import { createGcBackoff } from "./gc-backoff.js";
import { createSettledIds } from "./settled-ids.js";
import { createContainerLock, createGcLock } from "./locks.js";
import { attach } from "./attach.js";
import { detach } from "./detach.js";
import { awaitUnrecordedReadiness } from "./detach-unrecorded.js";
import { attachNetwork } from "./attach-network.js";
import { detachNetwork } from "./detach-network.js";
import { applyNetworkChanges, writeSavedStatus } from "./apply-network-changes.js";
import { check } from "./check.js";
import { gc } from "./gc.js";
import { listAttachments } from "./list-attachments.js";
import { serviceStatus } from "./service-status.js";
import { preparePlan } from "./prepare-plan.js";
import { checkContainerId, checkSavedContainerId } from "./request-checks.js";
import { rollBackUnfinishedAdds } from "./unfinished-adds.js";
import { bindNew } from "../log/call-logger.js";
import { anySignal } from "./call-deadline.js";
import { stoppedBy } from "./in-flight-calls.js";

export interface AttachmentServiceDeps {
  readonly runtime: CniRuntime;
  readonly resolver: NetworkResolver;
  readonly podSource: PodSource;
  readonly statusWriter: NetworkStatusWriter;
  readonly store: AttachmentStore;
  readonly routes: RouteEditor;
  /** Decides which netns paths may be configured (never the node's own). */
  readonly netns: NetnsGuard;
  /** Bounds on request inputs; the defaults when absent. */
  readonly inputLimits?: InputLimits;
  readonly findPlugin: FindPlugin;
  readonly limits: { readonly maxConcurrent: number; readonly callTimeoutMs: number };
  /** Run a pod's secondary networks concurrently (bounded by maxConcurrent); default true. */
  readonly parallelSecondaries?: boolean;
  /** The cluster network's config, for STATUS; undefined when none is loaded. */
  readonly clusterNetwork: () => NetworkConfigList | undefined;
  /** Reasons the daemon is not ready (sources not synced...); empty when ready. */
  readonly notReadyReasons?: () => readonly string[];
  readonly planOptions?: PlanOptions;
  readonly preflight?: PreflightDeps;
  /** The daemon's defaultNetworks, for attachments saved before their delegates were marked (default-network-marks.ts). */
  readonly selectionConfig?: DefaultNetworksConfig;
  /** Delegates DEL could not release, kept for the reconciler (<stateDir>/orphans). */
  readonly orphans: AttachmentStore;
  /** Removes a delegate's interface when its plugin's DEL failed. */
  readonly links: PodLinks;
  /** Which sandboxes still exist, for GC without a valid set; netns existence alone when absent. */
  readonly truth?: SandboxTruth;
  /** Attachments written more recently than this are never judged by the truth. Default: the config's reconcile.gracePeriodMs. */
  readonly gracePeriodMs?: number;
  /** Bound of one network's CNI GC, while every ADD/DEL on the node waits. Default: the config's reconcile.gcTimeoutMs. */
  readonly gcTimeoutMs?: number;
  readonly now?: () => Date;
  /** Where attach/detach (and lifecycle) events go; none when absent. */
  readonly events?: EventSink;
  /** Timing hook: how long a call waited for a lock or a call slot (metrics). */
  readonly onWait?: (lock: "call-slot" | "container" | "gc-shared" | "gc-exclusive", waitedMs: number) => void;
}

/** What the daemon runs once at start-up, before it serves a call. */
export interface StartupRecovery {
  /** Rolls back the ADDs and hot-plugs a previous netattachd never finished, and finishes its DELs (unfinished-adds.ts); the ids done. */
  rollBackUnfinished(ctx: CallContext): Promise<string[]>;
}

export function createAttachmentService(deps: AttachmentServiceDeps): AttachmentService & StartupRecovery {
  const now = deps.now ?? (() => new Date());
  const wait = deps.onWait ?? (() => undefined);
  const events = deps.events ?? NO_EVENTS;
  const limits = createCallLimits({ ...deps.limits, onWait: (ms) => wait("call-slot", ms) });
  const containers = createContainerLock({ onWait: (ms) => wait("container", ms) });
  const gcLock = createGcLock({ onWait: (ms, mode) => wait(mode === "shared" ? "gc-shared" : "gc-exclusive", ms) });
  const inputLimits = deps.inputLimits ?? DEFAULT_INPUT_LIMITS;
  const owners = createNetnsOwners({ attachments: deps.store, orphans: deps.orphans }, deps.netns);
  // Ids whose runtime DEL is expected to find nothing saved: no release from config for them.
  const settled = createSettledIds();
  const base = {
    ...deps,
    store: owners.attachments,
    orphans: owners.orphans,
    owners,
    now,
    inputLimits,
    events: deps.events ?? NO_EVENTS,
    truth: deps.truth ?? netnsTruth(deps.netns),
    gracePeriodMs: deps.gracePeriodMs ?? DEFAULTS.reconcile.gracePeriodMs,
    gcTimeoutMs: deps.gcTimeoutMs ?? DEFAULTS.reconcile.gcTimeoutMs,
    backoff: createGcBackoff(),
    schedule: createDelegateSchedule(deps.parallelSecondaries ?? true, deps.limits.maxConcurrent),
    settled,
    hostPorts: createHostPortClaims(),
  };
  /** How a GC pass takes the locks: per container like a DEL (never waiting behind a call), exclusive for CNI GC. */
  const passLocks: PassLocks = {
    async container(containerId, signal, fn) {
      if (containers.busy(containerId)) return { ran: false };
      const deadline = limits.deadline(signal);
      return {
        ran: true,
        value: await gcLock.shared(
          () => containers.run(containerId, () => limits.run(() => fn(deadline), deadline), deadline),
          deadline,
        ),
      };
    },
    exclusive(wait, signal, fn) {
      const deadline = limits.deadline(signal);
      return wait ? gcLock.exclusive(() => fn(deadline), deadline) : gcLock.exclusiveIfIdle(() => fn(deadline));
    },
  };

  /** Per-container, GC-shared, bounded, with a deadline; the id is checked before any lock is taken. */
  function guarded<T>(
    containerId: string,
    ctx: CallContext,
    phase: string,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return locked(containerId, admitted(containerId, ctx, phase), fn);
  }

  /** The call's deadline, once its id is checked. */
  function admitted(containerId: string, ctx: CallContext, phase: string): AbortSignal {
    // Only an ADD takes on a new id; every other call may act on a record saved under the bound of
    // its day, and a bound lowered since must not wedge its DEL (request-checks.ts).
    if (phase === "add") checkContainerId(containerId, inputLimits, phase);
    else checkSavedContainerId(containerId, inputLimits, phase);
    return limits.deadline(ctx.signal);
  }

  function locked<T>(containerId: string, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return gcLock.shared(() => containers.run(containerId, () => limits.run(() => fn(signal), signal), signal), signal);
  }

  /** Hot-plugs in flight per container, running or waiting for its lock: what its DEL cancels. */
  const hotplugs = new Map<string, Set<AbortController>>();

  /** A hot-plug's call, cancelled when the sandbox's DEL comes; its error then says so. */
  async function untilDel<T>(
    containerId: string,
    ctx: CallContext,
    call: (ctx: CallContext) => Promise<T>,
  ): Promise<T> {
    const del = new AbortController();
    const mine = hotplugs.get(containerId) ?? new Set<AbortController>();
    hotplugs.set(containerId, mine.add(del));
    try {
      return await call({ ...ctx, signal: anySignal([ctx.signal, del.signal]) });
    } catch (err) {
      throw del.signal.aborted ? stoppedBy(del.signal, err) : err;
    } finally {
      mine.delete(del);
      if (mine.size === 0 && hotplugs.get(containerId) === mine) hotplugs.delete(containerId);
    }
  }

  /** A hot-plug: guarded like any call, and cancelled by the sandbox's DEL. */
  function hotplugGuarded<T>(
    containerId: string,
    ctx: CallContext,
    phase: string,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return untilDel(containerId, ctx, (ctx) => guarded(containerId, ctx, phase, fn));
  }

  /** The pod a container's saved attachment belongs to, for a hot-plug's event (refusals included). */
  async function podOf(containerId: string): Promise<PodRef | undefined> {
    try {
      checkSavedContainerId(containerId, inputLimits, "hotplug");
      const read = await deps.store.load(containerId);
      return read.state === "found" ? read.record.plan.pod : undefined;
    } catch {
      return undefined;
    }
  }

  const service: AttachmentService = {
    attach: (req, ctx) =>
      emitting(events, attachCall(req), () =>
        guarded(req.containerId, ctx, "add", (signal) =>
          attach(base, req, { signal, rollbackSignal: limits.detachedDeadline, log: child(ctx.log, req.containerId) }),
        ).catch((err: unknown) => {
          // Refused or rolled back: what is left, if anything, is saved; the runtime's DEL follows.
          settled.add(req.containerId);
          throw err;
        }),
      ),
    detach: (req, ctx) => {
      const evented = detachCall(req);
      return emitting(events, evented, async () => {
        const signal = admitted(req.containerId, ctx, "del");
        const log = child(ctx.log, req.containerId);
        for (const hotplug of hotplugs.get(req.containerId) ?? [])
          hotplug.abort(new Error(`cancelled by the DEL of sandbox ${req.containerId}, which removes every interface`));
        const readiness = ctx.readiness !== undefined ? { readiness: ctx.readiness } : {};
        // A DEL with nothing saved may wait half its time for the first readiness: not holding a call
        // slot, the GC lock or its container's, which DELs with records and GC need meanwhile.
        const waited = await awaitUnrecordedReadiness(base, req, { signal, log, ...readiness });
        return locked(req.containerId, signal, (signal) =>
          detach(base, req, {
            signal,
            log,
            onRecord: evented.found,
            ...readiness,
            ...(waited !== undefined ? { waited } : {}),
          }),
        );
      });
    },
    check: (req, ctx) => guarded(req.containerId, ctx, "check", (signal) => check(base, req, signal)),
    gc: (req, ctx) => gc(base, req, { signal: ctx.signal, log: ctx.log, locks: passLocks }),
    status: (ctx) => serviceStatus(base, limits.deadline(ctx.signal)),
    list: (filter) => listAttachments(deps, filter),
    // Answers as the ADD would now: other ADDs' hostPorts in flight count, and it claims none.
    resolve: (req, ctx) =>
      preparePlan(base, req, limits.deadline(ctx.signal), base.hostPorts?.peek(req.containerId ?? "")),
    attachNetwork: async (req, ctx) =>
      emitting(events, hotplugAttachCall(req, await podOf(req.containerId)), () =>
        hotplugGuarded(req.containerId, ctx, "hotplug-add", (signal) =>
          attachNetwork(base, req, {
            signal,
            rollbackSignal: limits.detachedDeadline,
            log: child(ctx.log, req.containerId),
          }),
        ),
      ),
    detachNetwork: async (req, ctx) =>
      emitting(events, hotplugDetachCall(req, await podOf(req.containerId)), () =>
        hotplugGuarded(req.containerId, ctx, "hotplug-del", (signal) =>
          detachNetwork(base, req, { signal, log: child(ctx.log, req.containerId) }),
        ),
      ),
    applyNetworkChanges: (changes, ctx) =>
      hotplugGuarded(changes.containerId, ctx, "hotplug", (signal) =>
        applyNetworkChanges(base, changes, {
          signal,
          rollbackSignal: limits.detachedDeadline,
          log: child(ctx.log, changes.containerId),
        }),
      ),
  };
  return {
    ...service,
    rollBackUnfinished: (ctx) =>
      rollBackUnfinishedAdds(
        {
          store: deps.store,
          detach: service.detach,
          detachDelegate: (containerId, ifName, call) =>
            guarded(containerId, call, "hotplug-del", (signal) =>
              detachNetwork(base, { containerId, ifName }, { signal, log: call.log }, { writeStatus: false }),
            ),
          writeStatus: (containerId, signal) => writeSavedStatus(base, containerId, signal),
          log: ctx.log,
        },
        ctx.signal,
      ),
  };
}

/** The call's logger naming its container; the gRPC middleware or start-up may have bound it already. */
function child(log: Logger, containerId: string): Logger {
  return bindNew(log, { containerId });
}
