// A DEL for a container with no saved attachment: a pod that ran before netattach was installed on
// the node, or whose record was lost with stateDir. CNI DEL needs no prior state (libcni; Multus
// re-derives its delegates): the cluster network is released from the config an ADD of the pod
// would use now (its default-network annotation while the API server knows the pod, else the
// daemon's clusterNetwork), with what the runtime sent (interface, CNI_ARGS, runtimeConfig: portmap needs its portMappings)
// and CNI_NETNS empty — without a record there is no netns identity or interface MAC to tell the
// pod's namespace from another, so no plugin enters one: they release IPAM and host-side state
// (portmap's rules), and the pod's veth goes with its netns. Secondary networks cannot be known.
// Through the one cleanup path, so a plugin whose DEL fails is cleaned up or orphaned for the
// reconciler like any other. Skipped for an id this daemon settled a moment ago (settled-ids.ts),
// and, logged, for an input an ADD would refuse: a DEL that fails for it would fail for ever.
// Before the daemon's first readiness a cluster network that does not resolve may be one whose
// informer has not synced: the DEL waits for readiness (half its time left, before it takes its
// locks), or fails NOT_READY for the runtime's retry, rather than succeed having released nothing —
// an address leaked for good. A default-network annotation that no sync can mend (a syntax error)
// falls back to the daemon's clusterNetwork at once, as it does once ready.
import { anySignal, deadlineOf, timeoutSignal } from "./call-deadline.js";
import type { Logger } from "pino";
import { DaemonError, isDaemonError } from "../errors/daemon-error.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import type { NetworkResolver, PodSource, ResolvedNetwork } from "../resolve/index.js";
import { RECORD_VERSION, type AttachmentRecord, type AttachmentStore } from "./attachment-store.js";
import type { AttachRequest, DetachRequest, DetachResult, ReadinessView } from "./contract.js";
import { waitForFirstReadiness } from "./first-readiness.js";
import { buildPlan, type PlanOptions } from "./plan.js";
import { podAnnotations } from "./pod-annotations.js";
import { checkUnrecordedDetach } from "./request-checks.js";
import type { SettledIds } from "./settled-ids.js";

export interface UnrecordedDeps {
  readonly resolver: NetworkResolver;
  /** Where the pod's annotations come from, as for its ADD. */
  readonly podSource: PodSource;
  readonly planOptions?: PlanOptions;
  readonly inputLimits?: InputLimits;
  readonly settled?: SettledIds;
  readonly now: () => Date;
}

export interface UnrecordedCall {
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The daemon's readiness; absent = ready (nothing is waited for). */
  readonly readiness?: ReadinessView;
}

/** What a DEL with nothing saved releases, and `how` its cluster network was chosen when not as the pod's ADD (for the warn line). */
export interface UnrecordedRelease {
  readonly record: AttachmentRecord;
  readonly how?: string;
}

/**
 * The share of the time left before its call's deadline that a DEL with nothing saved waits for a
 * daemon that has not been ready yet. The rest is for what follows: once ready, the release (its
 * plugins budgeted by the same deadline, release-delegates.ts); if not, the NOT_READY, which thus
 * reaches the runtime before its own deadline gives up on the call, and the runtime retries. The
 * shim's callTimeoutMs (110 s) makes it 55 s; a caller's shorter deadline, or the daemon's
 * callTimeoutMs, shortens it alike: the call's deadline is the one setting, no key of its own.
 */
const FIRST_READINESS_SHARE = 0.5;

/**
 * Run before a DEL takes its locks and call slot (create-attachment-service.ts): with nothing saved
 * before the daemon's first readiness and a cluster network that cannot be told yet, waits for
 * readiness (bounded) there, so that a node's worth of such DELs after a reboot holds no lock and
 * no slot the DELs with records and GC need. Its answer goes to unrecordedRelease, which looks
 * again under the locks (a record may have been saved meanwhile): the reasons it was not ready in
 * time, or undefined when there was nothing to wait for or readiness came.
 */
export async function awaitUnrecordedReadiness(
  deps: UnrecordedDeps & { readonly store: AttachmentStore },
  req: DetachRequest,
  call: UnrecordedCall,
): Promise<UnrecordedWait | undefined> {
  const readiness = call.readiness;
  if (readiness === undefined || readiness.reached() || deps.settled?.has(req.containerId) === true) return undefined;
  // Found, corrupt or unreadable: the DEL under the locks says what it is.
  const read = await deps.store.load(req.containerId).catch(() => undefined);
  if (read?.state !== "missing") return undefined;
  const input = asAddOf(req, deps.inputLimits ?? DEFAULT_INPUT_LIMITS);
  if ("refused" in input) return undefined;
  const choice = await chooseClusterNetwork(deps, input.asAdd, call.signal);
  if (choice.definite) return undefined;
  // Before the first readiness a definition may be missing only because its informer has not
  // synced: releasing nothing (or the wrong network) would leak its address for good, and a
  // DEL that fails is retried. Once ready, a failure is what it says (unrecordedRelease).
  call.log.info(
    { why: choice.problem },
    `no saved attachment for ${req.containerId}: waiting for netattachd to be ready before choosing the cluster network to release`,
  );
  const at = deadlineOf(call.signal);
  const until =
    at === undefined
      ? call.signal
      : anySignal([call.signal, timeoutSignal((at - performance.now()) * FIRST_READINESS_SHARE)]);
  const waited = await waitForFirstReadiness(readiness, until);
  if (waited.ready) return undefined;
  // Out of time: no lock can be taken to look again, and the runtime's retry is what is left.
  if (call.signal.aborted) throw notReady(req.containerId, waited.reasons, choice);
  return { notReady: waited.reasons };
}

/** Why the daemon was not ready when a DEL with nothing saved waited for it (awaitUnrecordedReadiness). */
export interface UnrecordedWait {
  readonly notReady: readonly string[];
}

/**
 * What to release for `req`, a DEL that found no saved attachment: its cluster network as a
 * record never saved; undefined when there is nothing to do (settled a moment ago, an input the
 * plugins may not get, or no cluster network resolves: the last two logged). Before the daemon has
 * been ready once, a choice that may change with readiness fails NOT_READY (the runtime retries
 * the DEL): readiness was waited for before the locks (awaitUnrecordedReadiness, `waited`).
 */
export async function unrecordedRelease(
  deps: UnrecordedDeps,
  req: DetachRequest,
  call: UnrecordedCall,
  waited?: UnrecordedWait,
): Promise<UnrecordedRelease | undefined> {
  const id = req.containerId;
  if (deps.settled?.has(id) === true) return undefined;
  const limits = deps.inputLimits ?? DEFAULT_INPUT_LIMITS;
  const input = asAddOf(req, limits);
  if ("refused" in input) {
    // Refusing would fail this DEL and every retry alike: the pod would stay Terminating for good.
    // Its plugins get nothing they cannot take; the runtime's DEL succeeds, having released nothing.
    const err = input.refused;
    call.log.warn(
      { err, reason: err.code, source: err.context.source },
      `no saved attachment for ${id}: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: ${err.message}`,
    );
    return undefined;
  }
  const { asAdd } = input;
  const choice = await chooseClusterNetwork(deps, asAdd, call.signal);
  const readiness = call.readiness;
  if (!choice.definite && readiness !== undefined && !readiness.reached()) {
    // Not ready in time while waiting before the locks, or shutdown began (it resets "reached").
    const reasons =
      waited?.notReady ?? (readiness.stopping() ? ["netattachd is shutting down"] : ["readiness not established yet"]);
    throw notReady(id, reasons, choice);
  }
  if (choice.cluster === undefined) {
    // Teardown always finishes: the same failure refuses every ADD, so it is seen and fixed there.
    call.log.warn(
      { err: choice.failure },
      `no saved attachment for ${id}: its cluster network could not be resolved, so nothing was released${choice.how !== undefined ? ` (${choice.how})` : ""}`,
    );
    return undefined;
  }
  try {
    const plan = buildPlan(asAdd, [choice.cluster], { ...deps.planOptions, maxJsonDepth: limits.maxJsonDepth });
    const now = deps.now().toISOString();
    // Never saved as detaching before its plugins run: after a crash the runtime's retried DEL does it again.
    const record: AttachmentRecord = {
      version: RECORD_VERSION,
      plan,
      results: {},
      phase: "detaching",
      createdAt: now,
      updatedAt: now,
    };
    return { record, ...(choice.how !== undefined ? { how: choice.how } : {}) };
  } catch (err) {
    call.log.warn(
      { err },
      `no saved attachment for ${id}: its cluster network could not be planned, so nothing was released`,
    );
    return undefined;
  }
}

function notReady(id: string, reasons: readonly string[], choice: Choice): DaemonError {
  return new DaemonError(
    "NOT_READY",
    `no saved attachment for ${id}: netattachd is not ready (${reasons.join("; ")}), and until it is the cluster network to release cannot be told (${choice.problem ?? "unknown"}); nothing was released, try again`,
    { phase: "del" },
    { cause: choice.failure },
  );
}

/** The DEL as the ADD its cluster network's plugins would get, or why its input cannot be handed to them. */
function asAddOf(req: DetachRequest, limits: InputLimits): { asAdd: AttachRequest } | { refused: DaemonError } {
  const asAdd: AttachRequest = {
    containerId: req.containerId,
    netns: "",
    pod: req.pod ?? { namespace: "", name: "", uid: "" },
    primaryIfName: req.primaryIfName ?? "eth0",
    ...(req.runtimeConfig !== undefined ? { runtimeConfig: req.runtimeConfig } : {}),
    ...(req.cniArgs !== undefined ? { cniArgs: req.cniArgs } : {}),
  };
  try {
    if (req.runtimeConfigError !== undefined) throw req.runtimeConfigError;
    checkUnrecordedDetach(asAdd, limits);
    return { asAdd };
  } catch (err) {
    if (!isDaemonError(err)) throw err;
    return { refused: err };
  }
}

/**
 * The resolver's errors for a default-network annotation that no source's sync can change: the
 * annotation's own text and the daemon config decide them (a syntax error, a limit, an interface
 * name, namespace isolation), or a definition found is broken. A source that has not synced yet only
 * misses a definition (NETWORK_NOT_FOUND) or cannot reach the API server (KUBE_API_UNAVAILABLE):
 * those, and whatever else fails, still wait for the first readiness.
 */
const READINESS_CANNOT_CHANGE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "INVALID_ANNOTATION",
  "LIMIT_EXCEEDED",
  "INTERFACE_CONFLICT",
  "NAMESPACE_NOT_ALLOWED",
  "INVALID_NETWORK_CONFIG",
]);

interface Choice {
  readonly cluster?: ResolvedNetwork;
  /** Why it is not the pod's own cluster network as its ADD would get it; absent when it is. */
  readonly how?: string;
  /** No answer that readiness could change: nothing failed, or the API server said the pod is gone. */
  readonly definite: boolean;
  /** What failed, for the log. */
  readonly problem?: string | undefined;
  readonly failure?: unknown;
}

/**
 * The pod's cluster network as its ADD would get it now. A pod that is gone (or recreated: another
 * pod's annotations), or whose default-network annotation cannot be used, gets the configured one:
 * a DEL for a container a network never saw releases nothing there (CNI DEL tolerates the missing),
 * so the fallback cannot do harm and may release what the pod got before its annotation changed,
 * while failing would keep the pod Terminating for good once the daemon is ready.
 */
async function chooseClusterNetwork(deps: UnrecordedDeps, asAdd: AttachRequest, signal: AbortSignal): Promise<Choice> {
  const { namespace, name } = asAdd.pod;
  const pod = `pod ${namespace}/${name}`;
  let how: string | undefined;
  /** Why the pod's own cluster network failed, said only when the configured one then resolves (else it was that one). */
  let ownFailed: string | undefined;
  let definite = true;
  let problem: string | undefined;
  let failure: unknown;
  /**
   * Notes `err`, that readiness may change unless `settles`; rethrown when the call is over. The
   * problem said is the first one readiness may change, else the first one.
   */
  const failed = (err: unknown, settles = false): string => {
    if (signal.aborted) throw err; // out of time or cancelled: the runtime retries the DEL
    const message = err instanceof Error ? err.message : String(err);
    if (problem === undefined || (definite && !settles)) {
      problem = message;
      failure = err;
    }
    definite &&= settles;
    return message;
  };
  if (name === "") how = "the DEL names no pod, so the daemon's clusterNetwork";
  else {
    let annotations: Readonly<Record<string, string>> | undefined;
    try {
      annotations = await podAnnotations(asAdd, deps.podSource, signal);
    } catch (err) {
      // The API server's word that the pod is gone does not change with readiness.
      const gone = isDaemonError(err) && (err.code === "POD_NOT_FOUND" || err.code === "POD_UID_MISMATCH");
      how = `${failed(err, gone)}: the daemon's clusterNetwork, whatever the pod's default-network annotation said`;
    }
    if (annotations !== undefined) {
      try {
        const cluster = await deps.resolver.resolveClusterNetwork({ signal, pod: { namespace, annotations } });
        return { cluster, definite };
      } catch (err) {
        ownFailed = `${pod}: ${failed(err, isDaemonError(err) && READINESS_CANNOT_CHANGE.has(err.code))}; so the daemon's clusterNetwork`;
      }
    }
  }
  try {
    const cluster = await deps.resolver.resolveClusterNetwork({ signal });
    how ??= ownFailed;
    return { cluster, definite, ...(how !== undefined ? { how } : {}), problem, failure };
  } catch (err) {
    failed(err);
    return { definite, ...(how !== undefined ? { how } : {}), problem, failure };
  }
}

/** The warn line of a DEL that released from config, or tried to: what it could not release is orphaned. */
export function logUnrecordedRelease(log: Logger, release: UnrecordedRelease, res: DetachResult): void {
  const { record, how } = release;
  const network = record.plan.delegates[0]?.network ?? "";
  const from = `from its current config${how !== undefined ? ` (${how})` : ""}`;
  const what =
    res.orphaned.length === 0
      ? `released the cluster network ${network} ${from}`
      : `could not release the cluster network ${network} ${from} (${res.orphaned.map((o) => o.cause).join("; ")}): orphaned for the reconciler`;
  log.warn(
    { network },
    `no saved attachment for ${record.plan.containerId}: ${what}; secondary networks, if any, are unknown`,
  );
}
