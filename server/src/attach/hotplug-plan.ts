// The plan of a hot-plug: the pod's saved delegates plus one new network, checked by the same
// planner and preflight as a full ADD, so interface names stay unique, default routes stay one per
// family, IPAM ranges do not overlap and plugins exist — all decided before anything is saved or run.
// The saved delegates are taken as they are; only the new one is resolved and planned afresh.
import { DEFAULT_INPUT_LIMITS, limitExceeded } from "../limits/input-limits.js";
import type { NetworkSelection, ResolvedNetwork, SelectionQuery } from "../resolve/index.js";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import type { AttachRequest } from "./contract.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { buildPlan } from "./plan.js";
import { markDefaultNetworks } from "./default-network-marks.js";
import { positionalName } from "./interface-names.js";
import { verifyPlugins } from "./plugin-check.js";
import { runPreflight } from "./preflight/run-preflight.js";
import type { PortLease } from "./preflight/host-port-claims.js";
import type { PrepareDeps, PreparedPlan } from "./prepare-plan.js";

export interface HotplugPlan extends PreparedPlan {
  /** The new delegate, last in `plan`. */
  readonly added: PlannedDelegate;
}

export async function planHotplug(
  deps: PrepareDeps,
  record: AttachmentRecord,
  selection: NetworkSelection,
  place: SelectionQuery["place"],
  signal?: AbortSignal,
  /** The hot-plug's lease, which claims the new network's hostPorts once checked. */
  ports?: PortLease,
): Promise<HotplugPlan> {
  // Marked as a plan is saved now, so the new delegate is never taken for a defaultNetworks one.
  const saved = markDefaultNetworks(record.plan, deps.selectionConfig).plan;
  const limits = deps.inputLimits ?? DEFAULT_INPUT_LIMITS;
  if (saved.delegates.length + 1 > limits.maxNetworksPerPod) {
    throw limitExceeded(
      `pod ${saved.pod.namespace}/${saved.pod.name} already has ${saved.delegates.length} networks`,
      "maxNetworksPerPod",
      limits.maxNetworksPerPod,
      { phase: "plan", network: selection.name },
    );
  }
  const named =
    selection.interface !== undefined && selection.interface !== ""
      ? selection
      : { ...selection, interface: freeInterfaceName(saved) };
  // Only the new network is resolved (namespace policy, lookup): the cluster and default networks
  // are the saved ones, whatever the daemon config or the definitions say now.
  const wanted = await deps.resolver.resolveSelection(
    { namespace: saved.pod.namespace, selection: named, place },
    signal !== undefined ? { signal } : {},
  );
  const primary = saved.delegates.find((d) => d.isDefault);
  const request: AttachRequest = {
    containerId: saved.containerId,
    netns: saved.netns,
    pod: saved.pod,
    primaryIfName: saved.primaryIfName,
    ...(primary ? { cniArgs: primary.cniArgs } : {}),
  };
  const checked = buildPlan(request, [...saved.delegates.map(asResolved), wanted], {
    ...deps.planOptions,
    maxJsonDepth: limits.maxJsonDepth,
    maxPortMappings: limits.maxPortMappings,
  });
  const added = checked.delegates.at(-1)!;
  const plan: AttachmentPlan = { ...saved, delegates: [...saved.delegates, added] };
  await verifyPlugins({ ...plan, delegates: [added] }, deps.findPlugin);
  const warnings =
    deps.preflight !== undefined
      ? await runPreflight(plan, deps.preflight, signal, { added, ...(ports ? { ports } : {}) })
      : [];
  return { plan, added, warnings };
}

/** Multus's positional name (net<N> after the N networks the pod has), or the next one free. */
function freeInterfaceName(plan: AttachmentPlan): string {
  const taken = new Set(plan.delegates.map((d) => d.ifName));
  let n = plan.delegates.length;
  while (taken.has(positionalName(n))) n++;
  return positionalName(n);
}

/** A saved delegate as the planner sees a network: its own interface and default-route request. */
function asResolved(d: PlannedDelegate): ResolvedNetwork {
  return {
    role: d.isDefault ? "cluster" : "selected",
    network: d.network,
    selection: {
      name: d.network,
      interface: d.ifName,
      ...(d.defaultRoute !== undefined ? { defaultRoute: d.defaultRoute } : {}),
    },
    definition: { name: d.network, config: d.config, origin: d.origin },
  };
}
