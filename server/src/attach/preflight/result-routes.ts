// After every delegate ran: the default routes of plugins whose config does not say (unknown
// plugins, DHCP) are read from their results and checked with the rest, the same way as
// before exec. A conflict fails the ADD, which then rolls back; relaxed, it is logged.
import type { CniResult } from "../../cni/index.js";
import type { Logger } from "pino";
import type { AttachmentPlan } from "../attachment-plan.js";
import { viewResult } from "../result-view.js";
import { parsePrefix } from "./ip-prefix.js";
import { readDelegateFacts, type DefaultRouteSource, type DelegateFacts } from "./delegate-facts.js";
import {
  defaultRouteConflicts,
  settledFamilies,
  type DefaultRoutePolicy,
  type RouteSources,
} from "./default-route-conflicts.js";
import { refuseOrWarn } from "./finding.js";

export function checkResultRoutes(
  plan: AttachmentPlan,
  results: Readonly<Record<string, CniResult>>,
  policy: DefaultRoutePolicy | undefined,
  log: Logger,
): void {
  if (policy === undefined) return;
  const all = plan.delegates.map(readDelegateFacts);
  if (all.every((f) => f.routesUnreadableBy === undefined)) return;
  const sources = all.map((facts): RouteSources => {
    const result = results[facts.delegate.ifName];
    if (facts.routesUnreadableBy === undefined || result === undefined)
      return { facts, routes: facts.defaultRoutes, from: "config" };
    return { facts, routes: resultDefaultRoutes(facts, result), from: "result" };
  });
  const outcome =
    policy === "warn"
      ? "found in the plugins' results; allowed by defaultRouteConflicts: warn"
      : "found in the plugins' results; the ADD is rolled back";
  const findings = defaultRouteConflicts(sources, settledFamilies(all), { policy, outcome, needResult: true }).map(
    (f) => ({ ...f, context: { ...f.context, phase: "add" } }),
  );
  for (const w of refuseOrWarn(findings)) {
    log.warn({ reason: w.code, networks: w.networks }, w.message);
  }
}

function resultDefaultRoutes(facts: DelegateFacts, result: CniResult): DefaultRouteSource[] {
  return viewResult(result).routes.flatMap((r, i) => {
    const dst = parsePrefix(r.dst);
    if (dst === undefined || dst.length !== 0) return [];
    return [{ key: `routes[${i}].dst`, value: r.dst, plugin: facts.routesUnreadableBy ?? "", family: dst.family }];
  });
}
