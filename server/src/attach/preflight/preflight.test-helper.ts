// Facts of planned delegates for the preflight unit tests.
import type { ResolvedNetwork } from "../../resolve/index.js";
import { buildPlan } from "../plan.js";
import { request } from "../testing.test-helper.js";
import { readDelegateFacts, type DelegateFacts } from "./delegate-facts.js";

export function factsOf(...networks: ResolvedNetwork[]): DelegateFacts[] {
  return buildPlan(request(), networks).delegates.map(readDelegateFacts);
}

/** host-local IPAM over one subnet, with optional routes. */
export function hostLocal(
  subnet: string,
  extra: Record<string, unknown> = {},
  routes?: string[],
): Record<string, unknown> {
  return {
    type: "host-local",
    ranges: [[{ subnet, ...extra }]],
    ...(routes !== undefined ? { routes: routes.map((dst) => ({ dst })) } : {}),
  };
}
