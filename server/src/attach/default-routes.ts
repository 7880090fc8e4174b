// Applies default-route requests after every ADD: for each IP family a request names (an empty
// request names both), default routes on the pod's interfaces are removed, then the requested
// gateway is set on the chosen interface. Families nobody asked about are left alone. A hot-unplug
// of the interface that asked gives the families back (restoreDefaultRoutes), and so does a hot-plug's
// rollback for every family it edited (undoDefaultRoutes).
import type { RouteEditor } from "../netns/route-editor.js";
import { DaemonError } from "../errors/daemon-error.js";
import { ipFamily, type CniResult, type IpFamily } from "../cni/index.js";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import { viewResult } from "./result-view.js";
import { resultGateways } from "./attached-interface.js";

/** Final default gateways of one interface, given what its result said. */
export type GatewaysFor = (ifName: string, fromResult: readonly string[]) => string[];

const familyOf = (ip: string): IpFamily => (ipFamily(ip) === 6 ? 6 : 4);

/** The families the plan's default-route requests name (an empty request names both). */
function requestedFamilies(plan: AttachmentPlan): Set<IpFamily> {
  const families = new Set<IpFamily>();
  for (const d of plan.delegates) {
    if (d.defaultRoute === undefined) continue;
    if (d.defaultRoute.length === 0) [4, 6].forEach((f) => families.add(f as IpFamily));
    d.defaultRoute.forEach((gw) => families.add(familyOf(gw)));
  }
  return families;
}

/**
 * Each interface's default gateways once the requests are applied: its result's own for the
 * families nobody asked about, plus what was requested for it. Undefined: no request, results stand.
 */
export function defaultRouteGateways(plan: AttachmentPlan): GatewaysFor | undefined {
  const requests = plan.delegates.filter((d) => d.defaultRoute !== undefined);
  if (requests.length === 0) return undefined;
  const families = requestedFamilies(plan);
  return (ifName, fromResult) => {
    const kept = fromResult.filter((gw) => !families.has(familyOf(gw)));
    const mine = requests.find((d) => d.ifName === ifName)?.defaultRoute ?? [];
    return [...kept, ...mine];
  };
}

export async function applyDefaultRoutes(
  plan: AttachmentPlan,
  routes: RouteEditor,
  /** The pinned namespace to edit (pinNetns), never the plan's path again. */
  netns: string,
  signal?: AbortSignal,
): Promise<GatewaysFor | undefined> {
  const requests = plan.delegates.filter((d) => d.defaultRoute !== undefined);
  if (requests.length === 0) return undefined;
  const families = requestedFamilies(plan);
  const ours = new Set(plan.delegates.map((d) => d.ifName));
  const opts = signal !== undefined ? { signal } : {};
  for (const family of families) {
    const chosen = requests.find((d) => (d.defaultRoute ?? []).some((gw) => familyOf(gw) === family));
    await step(chosen?.network, "list", async () => {
      for (const route of await routes.listDefaultRoutes(netns, family, opts)) {
        if (ours.has(route.dev)) await routes.deleteDefaultRoute(netns, family, route, opts);
      }
    });
    if (chosen === undefined) continue;
    for (const gw of (chosen.defaultRoute ?? []).filter((g) => familyOf(g) === family)) {
      await step(chosen.network, `set default via ${gw} dev ${chosen.ifName}`, () =>
        routes.replaceDefaultRoute(netns, family, chosen.ifName, gw, opts),
      );
    }
  }
  return defaultRouteGateways(plan);
}

/**
 * After a delegate that asked for default routes is removed, the families it named go back to the
 * interfaces that had them before: what the remaining results (and requests) say, as at ADD. The
 * removed interface's own routes went with it.
 */
export async function restoreDefaultRoutes(
  removed: PlannedDelegate,
  left: AttachmentPlan,
  results: Readonly<Record<string, CniResult>>,
  routes: RouteEditor,
  /** The pinned namespace to edit. */
  netns: string,
  signal?: AbortSignal,
): Promise<void> {
  if (removed.defaultRoute === undefined) return;
  const families = requestedFamilies({ ...left, delegates: [removed] });
  await restoreFamilies(
    families,
    left,
    results,
    routes,
    netns,
    `after removing ${removed.network} (${removed.ifName})`,
    signal,
  );
}

/**
 * A hot-plug rolled back after applyDefaultRoutes ran for `tried` (the sandbox's plan with the new
 * delegate): every family it edited goes back to what the sandbox's saved plan and results say, so
 * a route that could not be set leaves the pod's default routes as they were.
 */
export async function undoDefaultRoutes(
  tried: AttachmentPlan,
  saved: AttachmentPlan,
  results: Readonly<Record<string, CniResult>>,
  routes: RouteEditor,
  /** The pinned namespace to edit. */
  netns: string,
  signal?: AbortSignal,
): Promise<void> {
  const had = new Set(saved.delegates.map((d) => d.ifName));
  const added = tried.delegates.filter((d) => !had.has(d.ifName));
  const what = added.map((d) => `${d.network} (${d.ifName})`).join(", ");
  await restoreFamilies(requestedFamilies(tried), saved, results, routes, netns, `after rolling back ${what}`, signal);
}

/** Sets each family's default route back on the first interface of `left` that holds one (results and requests). */
async function restoreFamilies(
  families: ReadonlySet<IpFamily>,
  left: AttachmentPlan,
  results: Readonly<Record<string, CniResult>>,
  routes: RouteEditor,
  netns: string,
  after: string,
  signal?: AbortSignal,
): Promise<void> {
  const gatewaysFor = defaultRouteGateways(left);
  const opts = signal !== undefined ? { signal } : {};
  for (const family of families) {
    const holder = left.delegates.flatMap((d) => {
      const result = results[d.ifName];
      const own = result !== undefined ? resultGateways(viewResult(result)) : [];
      const gw = (gatewaysFor?.(d.ifName, own) ?? own).find((g) => familyOf(g) === family);
      return gw !== undefined ? [{ d, gw }] : [];
    })[0];
    if (holder === undefined) continue;
    await step(holder.d.network, `restore default via ${holder.gw} dev ${holder.d.ifName} ${after}`, () =>
      routes.replaceDefaultRoute(netns, family, holder.d.ifName, holder.gw, opts),
    );
  }
}

async function step(network: string | undefined, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new DaemonError(
      "DEFAULT_ROUTE_FAILED",
      `default-route: cannot ${what}${network !== undefined ? ` for network "${network}"` : ""}: ${msg}`,
      {
        phase: "default-route",
        ...(network !== undefined ? { network } : {}),
      },
      { cause: err },
    );
  }
}
