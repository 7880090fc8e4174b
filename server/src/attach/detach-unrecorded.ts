// A DEL for a container with no saved attachment: a pod that ran before netattach was installed on
// the node, or whose record was lost with stateDir. CNI DEL needs no prior state (libcni; Multus
// re-derives its delegates): the cluster network is released from the config an ADD would use now,
// with what the runtime sent (interface, CNI_ARGS, runtimeConfig: portmap needs its portMappings)
// and CNI_NETNS empty — without a record there is no netns identity or interface MAC to tell the
// pod's namespace from another, so no plugin enters one: they release IPAM and host-side state
// (portmap's rules), and the pod's veth goes with its netns. Secondary networks cannot be known.
// Through the one cleanup path, so a plugin whose DEL fails is cleaned up or orphaned for the
// reconciler like any other. Skipped for an id this daemon settled a moment ago (settled-ids.ts),
// and, logged, for an input an ADD would refuse: a DEL that fails for it would fail for ever.
import type { Logger } from "pino";
import { isDaemonError } from "../errors/daemon-error.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import type { NetworkResolver } from "../resolve/index.js";
import type { AttachmentRecord } from "./attachment-store.js";
import type { AttachRequest, DetachRequest, DetachResult } from "./contract.js";
import { buildPlan, type PlanOptions } from "./plan.js";
import { checkUnrecordedDetach } from "./request-checks.js";
import type { SettledIds } from "./settled-ids.js";

export interface UnrecordedDeps {
  readonly resolver: NetworkResolver;
  readonly planOptions?: PlanOptions;
  readonly inputLimits?: InputLimits;
  readonly settled?: SettledIds;
  readonly now: () => Date;
}

/**
 * What to release for `req`, a DEL that found no saved attachment: its cluster network as a
 * record never saved; undefined when there is nothing to do (settled a moment ago, an input the
 * plugins may not get, or no cluster network resolves: the last two logged).
 */
export async function unrecordedRelease(
  deps: UnrecordedDeps,
  req: DetachRequest,
  call: { readonly signal: AbortSignal; readonly log: Logger },
): Promise<AttachmentRecord | undefined> {
  const id = req.containerId;
  if (deps.settled?.has(id) === true) return undefined;
  const limits = deps.inputLimits ?? DEFAULT_INPUT_LIMITS;
  const asAdd: AttachRequest = {
    containerId: id,
    netns: "",
    pod: req.pod ?? { namespace: "", name: "", uid: "" },
    primaryIfName: req.primaryIfName ?? "eth0",
    ...(req.runtimeConfig !== undefined ? { runtimeConfig: req.runtimeConfig } : {}),
    ...(req.cniArgs !== undefined ? { cniArgs: req.cniArgs } : {}),
  };
  try {
    if (req.runtimeConfigError !== undefined) throw req.runtimeConfigError;
    checkUnrecordedDetach(asAdd, limits);
  } catch (err) {
    // Refusing would fail this DEL and every retry alike: the pod would stay Terminating for good.
    // Its plugins get nothing they cannot take; the runtime's DEL succeeds, having released nothing.
    if (!isDaemonError(err)) throw err;
    call.log.warn(
      { err, reason: err.code, source: err.context.source },
      `no saved attachment for ${id}: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: ${err.message}`,
    );
    return undefined;
  }
  try {
    const cluster = await deps.resolver.resolveClusterNetwork({ signal: call.signal });
    const plan = buildPlan(asAdd, [cluster], { ...deps.planOptions, maxJsonDepth: limits.maxJsonDepth });
    const now = deps.now().toISOString();
    // Never saved as detaching before its plugins run: after a crash the runtime's retried DEL does it again.
    return { version: 1, plan, results: {}, phase: "detaching", createdAt: now, updatedAt: now };
  } catch (err) {
    if (call.signal.aborted) throw err; // out of time or cancelled: the runtime retries the DEL
    // Teardown always finishes: the same failure refuses every ADD, so it is seen and fixed there.
    call.log.warn(
      { err },
      `no saved attachment for ${id}: its cluster network could not be resolved, so nothing was released`,
    );
    return undefined;
  }
}

/** The warn line of a DEL that released from config, or tried to: what it could not release is orphaned. */
export function logUnrecordedRelease(log: Logger, record: AttachmentRecord, res: DetachResult): void {
  const network = record.plan.delegates[0]?.network ?? "";
  const what =
    res.orphaned.length === 0
      ? `released the cluster network ${network} from its current config`
      : `could not release the cluster network ${network} from its current config (${res.orphaned.map((o) => o.cause).join("; ")}): orphaned for the reconciler`;
  log.warn(
    { network },
    `no saved attachment for ${record.plan.containerId}: ${what}; secondary networks, if any, are unknown`,
  );
}
