// The checks before exec, in order: what the configs say (IPAM, default routes), the plugin
// binaries' versions (VERSION only), then the node's links. The first refusal is thrown
// before anything is saved or run; relaxed findings come back as warnings.
import type { AttachmentPlan } from "../attachment-plan.js";
import { readDelegateFacts } from "./delegate-facts.js";
import { defaultRouteConflicts, settledFamilies, type DefaultRoutePolicy } from "./default-route-conflicts.js";
import { REFUSED, refuseOrWarn, type Finding } from "./finding.js";
import { ipamFindings } from "./ipam-checks.js";
import { viewNode, type NodeLinks } from "./node-links.js";
import { nodeResourceFindings } from "./node-resource-checks.js";
import { checkPluginVersions, type ValidateList } from "./plugin-versions.js";

export interface PreflightDeps {
  readonly nodeLinks: NodeLinks;
  /** The runtime's validateNetworkList. */
  readonly validateList: ValidateList;
  /** Daemon config `defaultRouteConflicts`: refuse (default) or only warn. */
  readonly defaultRoutes: DefaultRoutePolicy;
}

export async function runPreflight(
  plan: AttachmentPlan,
  deps: PreflightDeps,
  signal?: AbortSignal,
): Promise<Finding[]> {
  const all = plan.delegates.map(readDelegateFacts);
  const routes = all.map((facts) => ({ facts, routes: facts.defaultRoutes, from: "config" as const }));
  const outcome = deps.defaultRoutes === "warn" ? "allowed by defaultRouteConflicts: warn" : REFUSED;
  const warnings = refuseOrWarn([
    ...ipamFindings(all),
    ...defaultRouteConflicts(routes, settledFamilies(all), { policy: deps.defaultRoutes, outcome }),
  ]);
  await checkPluginVersions(all, deps.validateList, signal);
  const named = all.flatMap((f) => f.nodeLinks.map((l) => l.value));
  if (named.length > 0) refuseOrWarn(nodeResourceFindings(all, await viewNode(deps.nodeLinks, named)));
  return warnings;
}
