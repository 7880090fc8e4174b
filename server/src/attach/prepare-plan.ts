// From a request to a checked plan, executing nothing: annotations → resolver → plan → plugin binaries.
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import type { NetworkResolver, PodSource } from "../resolve/types.js";
import type { AttachmentPlan, AttachRequest } from "./types.js";
import { podAnnotations } from "./pod-annotations.js";
import { buildPlan, type PlanOptions } from "./plan.js";
import { verifyPlugins, type FindPlugin } from "./plugin-check.js";
import { checkAttachRequest } from "./request-checks.js";

export interface PrepareDeps {
  readonly resolver: NetworkResolver;
  readonly podSource: PodSource;
  readonly findPlugin: FindPlugin;
  readonly planOptions?: PlanOptions;
  /** Bounds on request inputs; the defaults when absent. */
  readonly inputLimits?: InputLimits;
}

export async function preparePlan(deps: PrepareDeps, req: AttachRequest, signal?: AbortSignal): Promise<AttachmentPlan> {
  checkAttachRequest(req, deps.inputLimits ?? DEFAULT_INPUT_LIMITS);
  const annotations = await podAnnotations(req, deps.podSource, signal);
  const networks = await deps.resolver.resolve(
    { namespace: req.pod.namespace, name: req.pod.name, annotations, ...(req.selections !== undefined ? { selections: req.selections } : {}) },
    signal !== undefined ? { signal } : {},
  );
  const plan = buildPlan(req, networks, { ...deps.planOptions, maxJsonDepth: (deps.inputLimits ?? DEFAULT_INPUT_LIMITS).maxJsonDepth });
  await verifyPlugins(plan, deps.findPlugin);
  return plan;
}
