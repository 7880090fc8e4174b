// The one cleanup path of DEL, ADD rollback and the reconciler's retries of orphans. Each
// delegate, last first (multi-net spec 7.2; secondaries concurrently, then the cluster network, see
// delegate-schedule.ts), gets its plugins' own DEL, every plugin of the list even after one
// failed (a broken portmap must not leave bridge's NAT rules). When one failed, netattach
// releases what it can itself: the interface (deleted in the pod's netns, or gone with it), the
// addresses (the IPAM plugin's own DEL with the delegate's config) and the device-info file. A DEL
// that exits 0 but leaves the interface in a netns that lives on is taken as failed. A
// delegate is forgotten once its interface and addresses are gone — unless its plugin failed with a
// retryable error (try again later, a timeout, a binary missing or not executable): the plugin may hold more (iptables rules), so it is
// orphaned, cleaned, for the reconciler to retry the plugin's DEL. What cannot be released is
// orphaned with its cause. It finishes within the call's deadline (call-deadline.ts): plugin runs
// get only the time left before it less RELEASE_RESERVE_MS, so a plugin cut short is a timeout,
// cleaned up and orphaned, and the DEL still answers; and of that time each run leaves a share to
// the runs still to come after it (runShare; a stage's delegates waiting for a delegate slot
// included), so one plugin that hangs cannot keep the others of its list, its siblings queued
// behind maxConcurrent, or the delegates after it, from running. Only a caller's cancel or the
// daemon's stop interrupts it: the rest stays for a retried DEL.
import type { Logger } from "pino";
import type { CniResult, CniRuntime } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent, EventSink } from "../events/attachment-event.js";
import type { PodLinks } from "../netns/pod-links.js";
import type { PinnedNetns } from "../netns/netns-guard.js";
import type { AttachmentPlan, PlannedDelegate, PodRef } from "./attachment-plan.js";
import type { HistoryEntry } from "./attachment-store.js";
import { delegateList, delegateRuntimeConf } from "./delegate-invocation.js";
import { binaryUnusable, toDaemonError } from "./cni-error.js";
import { deadlineOf, endedByDeadline } from "./call-deadline.js";
import { describeOrigin } from "./origin.js";
import { removeDeviceInfo } from "./device-info.js";
import { ipamReleaseFailure } from "./ipam-release-failure.js";
import { delStages, SERIAL_SCHEDULE, type DelegateSchedule } from "./delegate-schedule.js";

/**
 * Kept free before the call's deadline for what follows a plugin cut short: netattach's own cleanup
 * (the interface's removal, the IPAM plugin's DEL, the device-info file) and the stores' saves
 * (orphan record, attachment removed). Measured through the real daemon (bridge + host-local +
 * portmap, pinned netns, 2 shared cores): 200-340 ms from the plugin's kill to the answer (interface
 * ~120 ms, host-local's DEL 40-60 ms, saves 20-80 ms), and a kill lands up to ~80 ms late; 1 s
 * leaves about 3x that for a loaded node.
 */
const RELEASE_RESERVE_MS = 1000;

/**
 * Kept for each plugin run still to come in the release when a run starts, while the time left
 * allows: a run that hangs is cut short that much sooner, so the runs after it (its list's earlier
 * plugins, its stage's delegates still waiting for a slot, later stages') still get their DEL
 * rather than all being orphaned.
 * Measured (/usr/lib/cni plugins, 2 shared cores, also with both cores kept busy): through the
 * daemon portmap's DEL takes 115-180 ms with rules to remove (25-40 ms without), bridge's with
 * host-local 55-70 ms, ptp's 50-70 ms, a whole DEL of those four 280-380 ms; run by hand, portmap
 * 140-240 ms, bridge 115-175 ms. 500 ms is twice the slowest run: room for a loaded node and for
 * netattach's own cleanup of a delegate cut short (RELEASE_RESERVE_MS), while a hung plugin of a
 * 3-plugin list still gets all but 1 s of what is left.
 */
const RUN_FLOOR_MS = 500;

/**
 * What one run may take of `left` ms with `after` runs still to come after it: all of it less
 * RUN_FLOOR_MS for each of those, or an equal share of it when it is too short for that many
 * floors (a short deadline, a long list). Asked again before every run, so time a run did not use
 * goes to the next.
 */
function runShare(left: number, after: number): number {
  return left - after * Math.min(RUN_FLOOR_MS, left / (after + 1));
}

/** What a run may take (ms) of the plugins' DELs, and of netattach's IPAM release after them, given the runs after it in its list. */
interface Budget {
  readonly plugins: (runsAfter: number) => number;
  readonly cleanup: (runsAfter: number) => number;
}

/**
 * The budget of a delegate with `later()` runs to come after its own list (later stages', its
 * stage's queued delegates'; asked at each run), before the deadline `signal` carries; none
 * without one (each run has pluginTimeoutMs).
 */
function budgetOf(signal: AbortSignal): ((later: () => number) => Budget) | undefined {
  const at = deadlineOf(signal);
  if (at === undefined) return undefined;
  // A short call (callTimeoutMs is 100 ms at least) keeps half its time for its plugins.
  const reserve = Math.min(RELEASE_RESERVE_MS, Math.max(0, at - performance.now()) / 2);
  // The IPAM release may run into the reserve, but not into its last quarter: the saves' share.
  return (later) => ({
    plugins: (after) => runShare(at - reserve - performance.now(), after + later()),
    cleanup: (after) => runShare(at - reserve / 4 - performance.now(), after + later()),
  });
}

/**
 * For each stage, the plugin runs of the stages after it: a stage's delegates run concurrently, so
 * its longest list is what the next stage waits for.
 */
function runsAfterStages(stages: readonly (readonly PlannedDelegate[])[], phase: string): number[] {
  const runs = stages.map((stage) => Math.max(0, ...stage.map((d) => runsOf(d, phase))));
  return runs.map((_, s) => runs.slice(s + 1).reduce((a, b) => a + b, 0));
}

/** The plugin runs of a delegate's DEL (or rollback). */
function runsOf(d: PlannedDelegate, phase: string): number {
  return delegateList(d, phase).plugins.length;
}

export interface ReleaseDeps {
  readonly runtime: CniRuntime;
  readonly links: PodLinks;
  readonly events: EventSink;
  readonly now: () => Date;
  /** How secondary networks are released; serial when absent. */
  readonly schedule?: DelegateSchedule;
}

export interface ReleaseTarget {
  readonly containerId: string;
  /** The saved netns while it still is that namespace, else "" (gone). */
  readonly netns: string;
  /** What plugins and netattach's own cleanup enter: the pinned namespace (absent when gone). */
  readonly handle?: string;
  readonly pod: PodRef;
  /** The plan's own: the pod asked for its networks one after another. */
  readonly serialNetworks?: true;
  /**
   * The whole sandbox goes (its DEL): the runtime removes the netns next, and an interface a plugin
   * left goes with it, so no listing is paid for on the DEL path. Absent: the netns lives on
   * (hot-unplug, rollback before the runtime's retry, an orphan's retry), so what a DEL left is looked for.
   */
  readonly sandboxEnds?: true;
}

/** The target of a saved plan's delegates in the `pinned` namespace (undefined: it is gone). */
export function releaseTarget(plan: AttachmentPlan, pinned: PinnedNetns | undefined): ReleaseTarget {
  return {
    containerId: plan.containerId,
    netns: pinned !== undefined ? plan.netns : "",
    ...(pinned !== undefined ? { handle: pinned.handle } : {}),
    pod: plan.pod,
    ...(plan.serialNetworks === true ? { serialNetworks: true as const } : {}),
  };
}

export type ReleaseKind = "del" | "rollback" | "reconcile";

export type Released =
  /** The plugin's DEL worked. */
  | { readonly delegate: PlannedDelegate; readonly how: "deleted" }
  /** The plugin's DEL failed; netattach removed the interface and released the addresses. */
  | { readonly delegate: PlannedDelegate; readonly how: "cleaned"; readonly error: DaemonError }
  /** Left for the reconciler: `cause` says what could not be released. */
  | {
      readonly delegate: PlannedDelegate;
      readonly how: "orphaned";
      readonly error: DaemonError;
      readonly cause: string;
    }
  /** The caller cancelled, or the daemon is stopping: untouched, for a retried DEL. */
  | { readonly delegate: PlannedDelegate; readonly how: "interrupted"; readonly error: DaemonError };

export interface ReleaseOutcome {
  /** In the order they were handled (last delegate first). */
  readonly delegates: readonly Released[];
  /** Steps worth keeping in the record's history. */
  readonly history: readonly HistoryEntry[];
}

export async function releaseDelegates(
  deps: ReleaseDeps,
  target: ReleaseTarget,
  delegates: readonly PlannedDelegate[],
  kind: ReleaseKind,
  call: { readonly signal: AbortSignal; readonly log: Logger },
  /** Saved ADD results by interface: prevResult when the runtime's cache lost one. */
  results: Readonly<Record<string, CniResult>> = {},
  /** Rollback's: the ADD's own failure, which a release failing alike shows to be the config's. */
  failedAdd?: DaemonError,
): Promise<ReleaseOutcome> {
  const phase = kind === "rollback" ? "rollback" : "del";
  const schedule = deps.schedule ?? SERIAL_SCHEDULE;
  const budget = budgetOf(call.signal);
  const out: Released[] = [];
  const history: HistoryEntry[] = [];
  const stages = delStages(schedule, target, delegates);
  const later = runsAfterStages(stages, phase);
  for (const [s, stage] of stages.entries()) {
    // The runs of this stage's delegates still waiting for a delegate slot (schedule.limit): they
    // start only once a running one is done, so each run leaves them their floor as it does to the
    // later stages'.
    let queued = stage.reduce((n, d) => n + runsOf(d, phase), 0);
    const one = (d: PlannedDelegate): Promise<{ released: Released; history: HistoryEntry[] }> => {
      queued -= runsOf(d, phase);
      const runs = budget?.(() => (later[s] ?? 0) + queued);
      return releaseOne(deps, target, d, kind, phase, call, results[d.ifName], failedAdd, runs);
    };
    // Concurrent within a stage; results and history still in stage order (last delegate first).
    const done = await allOrFirstError(stage.map((d) => schedule.limit(() => one(d))));
    for (const r of done) {
      out.push(r.released);
      history.push(...r.history);
    }
  }
  const last = budget?.(() => 0);
  for (const [i, error] of await leftBehind(deps.links, target, out, phase, call.signal)) {
    const d = out[i]!.delegate;
    const r = await releaseOne(deps, target, d, kind, phase, call, results[d.ifName], failedAdd, last, error);
    out[i] = r.released;
    history.push(...r.history);
  }
  return { delegates: out, history };
}

/** One delegate through the cleanup path. */
async function releaseOne(
  deps: ReleaseDeps,
  target: ReleaseTarget,
  delegate: PlannedDelegate,
  kind: ReleaseKind,
  phase: string,
  call: { readonly signal: AbortSignal; readonly log: Logger },
  prevResult: CniResult | undefined,
  failedAdd: DaemonError | undefined,
  budget: Budget | undefined,
  /** Its DEL ran and exited 0 but did not do its job: only the failure path is left. */
  failed?: DaemonError,
): Promise<{ released: Released; history: HistoryEntry[] }> {
  const history: HistoryEntry[] = [];
  const note = (event: HistoryEntry["event"], d: PlannedDelegate, message: string, error?: DaemonError): void => {
    history.push({
      time: deps.now().toISOString(),
      event,
      network: d.network,
      ifName: d.ifName,
      ...(error?.context.plugin !== undefined ? { plugin: error.context.plugin } : {}),
      ...(error !== undefined ? { reason: error.code } : {}),
      message,
    });
  };
  const opts = {
    signal: call.signal,
    ...(prevResult !== undefined ? { prevResult } : {}),
    ...(budget !== undefined ? { timeLeftMs: budget.cleanup } : {}),
  };
  const pluginOpts = { ...opts, ...(budget !== undefined ? { timeLeftMs: budget.plugins } : {}) };
  const where = { network: delegate.network, ifName: delegate.ifName, phase, source: describeOrigin(delegate.origin) };
  let error: DaemonError;
  if (failed !== undefined) {
    error = failed;
  } else {
    try {
      await deps.runtime.delNetworkList(
        delegateList(delegate, phase),
        delegateRuntimeConf(target.containerId, target.netns, delegate, target.handle),
        { ...pluginOpts, keepGoing: true },
      );
      await removeDeviceInfo(delegate);
      return { released: { delegate, how: "deleted" }, history };
    } catch (err) {
      error = toDaemonError(err, where, call.signal);
    }
  }
  note("del-failed", delegate, error.message, error);
  if (call.signal.aborted && !endedByDeadline(call.signal))
    return { released: { delegate, how: "interrupted", error }, history };
  // Out of time (the reserve was not enough): nothing more can run; the reconciler retries it all.
  const left = call.signal.aborted
    ? [`the call's deadline came before netattach could remove interface ${delegate.ifName} and release its addresses`]
    : await cleanUp(deps, target, delegate, phase, opts, failedAdd);
  const retryPlugin = isRetryable(error);
  const log = {
    containerId: target.containerId,
    network: delegate.network,
    ifName: delegate.ifName,
    plugin: error.context.plugin,
    reason: error.code,
    err: error,
  };
  if (left.length === 0 && !retryPlugin) {
    note("cleaned", delegate, "interface removed and addresses released by netattach");
    call.log.warn(
      log,
      `${kind}: the plugin's DEL failed; netattach removed the interface and released the addresses itself`,
    );
    emit(
      deps,
      target,
      delegate,
      error,
      "ok",
      `${error.message}; netattach removed the interface and released the addresses`,
    );
    return { released: { delegate, how: "cleaned", error }, history };
  }
  const cause = [
    ...left,
    ...(retryPlugin
      ? [`the plugin's DEL failed with a retryable error and is retried by the reconciler (${error.message})`]
      : []),
  ].join("; ");
  note("orphaned", delegate, cause, error);
  call.log.warn(
    { ...log, cause },
    `${kind}: the plugin's DEL failed and not everything could be released; orphaned for the reconciler`,
  );
  emit(deps, target, delegate, error, left.length === 0 ? "partial" : "failed", `${error.message}; orphaned: ${cause}`);
  return { released: { delegate, how: "orphaned", error, cause }, history };
}

/** Every value once all have settled (none left running), or the first error in order. */
async function allOrFirstError<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** What netattach releases itself; returns what it could not (empty: all released). */
async function cleanUp(
  deps: ReleaseDeps,
  target: ReleaseTarget,
  delegate: PlannedDelegate,
  phase: string,
  opts: { signal: AbortSignal; prevResult?: CniResult },
  failedAdd: DaemonError | undefined,
): Promise<string[]> {
  const left: string[] = [];
  if (target.handle !== undefined) {
    try {
      await deps.links.remove(target.handle, delegate.ifName, { signal: opts.signal });
    } catch (err) {
      left.push(
        `interface ${delegate.ifName} in ${target.netns} could not be removed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  try {
    await deps.runtime.releaseNetworkList(
      delegateList(delegate, phase),
      delegateRuntimeConf(target.containerId, target.netns, delegate, target.handle),
      opts,
    );
  } catch (err) {
    const error = toDaemonError(err, { network: delegate.network, ifName: delegate.ifName, phase }, opts.signal);
    left.push(ipamReleaseFailure(error, delegate, target.containerId, failedAdd));
  }
  await removeDeviceInfo(delegate);
  return left;
}

/**
 * The delegates whose DEL exited 0 but left their interface in the pod (and a veth's host peer
 * with it), by index, each with an error naming its plugins. One listing of the pinned netns per
 * release, not per delegate (it execs ip); none when the netns is gone or nothing was deleted.
 */
async function leftBehind(
  links: PodLinks,
  target: ReleaseTarget,
  released: readonly Released[],
  phase: string,
  signal: AbortSignal,
): Promise<Map<number, DaemonError>> {
  const left = new Map<number, DaemonError>();
  if (target.handle === undefined || target.sandboxEnds || !released.some((r) => r.how === "deleted")) return left;
  const present = await links.macs(target.handle, { signal }).catch(() => undefined);
  for (const [i, r] of released.entries()) {
    const d = r.delegate;
    if (r.how !== "deleted" || present?.has(d.ifName) !== true) continue;
    const plugins = delegateList(d, phase).plugins.map((p) => p.type);
    left.set(
      i,
      new DaemonError(
        "PLUGIN_FAILED",
        `the DEL of plugin${plugins.length > 1 ? "s" : ""} ${plugins.map((p) => `"${p}"`).join(", ")} exited 0 but left interface ${d.ifName} in ${target.netns}`,
        {
          network: d.network,
          ifName: d.ifName,
          phase,
          source: describeOrigin(d.origin),
          ...(plugins[0] !== undefined ? { plugin: plugins[0] } : {}), // the first one made the interface
        },
      ),
    );
  }
  return left;
}

/**
 * A plugin that said "try again later", ran out of time, or whose binary is missing or not
 * executable (back after an upgrade or a fixed cniBinDirs) may well succeed on a retry.
 */
function isRetryable(error: DaemonError): boolean {
  return error.code === "PLUGIN_TIMEOUT" || error.context.cniCode === 11 || binaryUnusable(error);
}

function emit(
  deps: ReleaseDeps,
  target: ReleaseTarget,
  delegate: PlannedDelegate,
  error: DaemonError,
  outcome: AttachmentEvent["outcome"],
  message: string,
): void {
  deps.events.emit({
    kind: "orphan",
    outcome,
    time: deps.now(),
    containerId: target.containerId,
    pod: target.pod,
    network: delegate.network,
    ifName: delegate.ifName,
    ...(error.context.plugin !== undefined ? { plugin: error.context.plugin } : {}),
    phase: error.context.phase ?? "del",
    reason: error.code,
    message,
  });
}

/** One clause per delegate that did not go cleanly; each names network, interface, plugin and CNI code. */
export function describeLeft(released: readonly Released[]): string {
  return released
    .flatMap((r) =>
      r.how === "orphaned"
        ? [`network "${r.delegate.network}" (${r.delegate.ifName}) orphaned: ${r.cause}`]
        : r.how === "interrupted"
          ? [`${r.error.message} [${r.error.code}]`]
          : [],
    )
    .join("; ");
}
