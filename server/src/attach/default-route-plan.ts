// default-route requests checked while planning: valid IPs, at most one gateway per IP family
// across the whole pod (Multus: no ECMP), so conflicts never reach a plugin as "file exists".
// Default routes the configs themselves install are checked in preflight/default-route-conflicts.ts.
import { ipFamily } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { ResolvedNetwork } from "../resolve/index.js";

export function checkDefaultRoutes(networks: readonly ResolvedNetwork[]): void {
  const byFamily = new Map<number, { network: string; gateway: string }>();
  for (const n of networks) {
    for (const gateway of n.selection.defaultRoute ?? []) {
      const family = ipFamily(gateway);
      if (family === 0) {
        throw new DaemonError(
          "INVALID_ANNOTATION",
          `network "${n.network}": default-route gateway "${gateway}" is not an IP address`,
          {
            network: n.network,
            phase: "plan",
          },
        );
      }
      const first = byFamily.get(family);
      if (first !== undefined) {
        throw new DaemonError(
          "DEFAULT_ROUTE_CONFLICT",
          `two IPv${family} default gateways requested: ${first.gateway} by network "${first.network}" and ${gateway} by network "${n.network}"`,
          { network: n.network, phase: "plan" },
        );
      }
      byFamily.set(family, { network: n.network, gateway });
    }
  }
}
