// At most one network installs the pod's default route per IP family. Sources: bridge
// isDefaultGateway, IPAM routes to 0.0.0.0/0 or ::/0 (host-local, static), and, after ADD, the
// results of plugins whose config does not say. A `default-route` selection settles a family:
// once every delegate has run, the daemon removes that family's default routes from the pod's
// interfaces and sets only the requested one (default-routes.ts), so config sources no longer
// compete there. Two sources in one delegate are that plugin's own business. Pure.
import type { DefaultRouteSource, DelegateFacts } from "./delegate-facts.js";
import { contextOf, describeDelegate, type Finding } from "./finding.js";
import { ipFamily, type IpFamily } from "../../cni/index.js";

export type DefaultRoutePolicy = "reject" | "warn";

export interface RouteSources {
  readonly facts: DelegateFacts;
  readonly routes: readonly DefaultRouteSource[];
  /** Where the routes were read: the config, or the delegate's ADD result. */
  readonly from: "config" | "result";
}

/** Families a `default-route` selection settles: its gateways' families; an empty request settles both. */
export function settledFamilies(all: readonly DelegateFacts[]): Set<IpFamily> {
  const settled = new Set<IpFamily>();
  for (const f of all) {
    const gateways = f.delegate.defaultRoute;
    if (gateways === undefined) continue;
    if (gateways.length === 0) [4, 6].forEach((fam) => settled.add(fam as IpFamily));
    for (const gw of gateways) {
      const family = ipFamily(gw);
      if (family !== 0) settled.add(family);
    }
  }
  return settled;
}

export interface ConflictOptions {
  readonly policy: DefaultRoutePolicy;
  /** How the message ends: what was done about it. */
  readonly outcome: string;
  /** Only conflicts a result source takes part in (config-only ones were reported before ADD). */
  readonly needResult?: boolean;
}

export function defaultRouteConflicts(
  sources: readonly RouteSources[],
  settled: ReadonlySet<IpFamily>,
  o: ConflictOptions,
): Finding[] {
  const findings: Finding[] = [];
  for (const family of [4, 6] as const) {
    if (settled.has(family)) continue;
    const owners = sources.filter((s) => !s.facts.ownTable && s.routes.some((r) => r.family === family));
    if (owners.length < 2 || (o.needResult === true && owners.every((s) => s.from === "config"))) continue;
    const [a, b] = owners as [RouteSources, RouteSources];
    const describe = (s: RouteSources): string => {
      const r = s.routes.find((x) => x.family === family)!;
      return s.from === "config"
        ? `${describeDelegate(s.facts)} sets one by ${r.key}=${r.value}`
        : `${describeDelegate(s.facts)} got one from plugin "${r.plugin}" (its ADD result's ${r.key}=${r.value})`;
    };
    const dst = family === 4 ? "0.0.0.0/0" : "::/0";
    findings.push({
      code: "DEFAULT_ROUTE_CONFLICT",
      message:
        `two IPv${family} default routes (${dst}) for one pod: ${describe(a)}, and ${describe(b)}; ` +
        `choose one with "default-route" in the pod's network selection (e.g. {"name": "…", "default-route": ["<gateway>"]}) or remove one from its config; ${o.outcome}`,
      networks: owners.map((s) => s.facts.delegate.network),
      context: { ...contextOf(b.facts, b.routes.find((x) => x.family === family)!.plugin) },
      relaxed: o.policy === "warn",
    });
  }
  return findings;
}
