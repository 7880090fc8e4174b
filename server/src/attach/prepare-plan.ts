// From a request to a checked plan, executing nothing but VERSION: annotations → resolver →
// plan → plugin binaries → preflight (configs, versions, node links). Every refusal is here,
// before attach saves anything.
import { DaemonError } from "../errors/daemon-error.js";
import type { NetworkResolver, PodSource } from "../resolve/types.js";
import type { AttachmentPlan, AttachRequest } from "./types.js";
import { podAnnotations } from "./pod-annotations.js";
import { buildPlan, type PlanOptions } from "./plan.js";
import { verifyPlugins, type FindPlugin } from "./plugin-check.js";
import { runPreflight, type PreflightDeps } from "./preflight/run-preflight.js";
import type { Finding } from "./preflight/finding.js";

export interface PrepareDeps {
  readonly resolver: NetworkResolver;
  readonly podSource: PodSource;
  readonly findPlugin: FindPlugin;
  readonly planOptions?: PlanOptions;
  /** Checks before exec; absent = none (unit tests of other parts). */
  readonly preflight?: PreflightDeps;
}

export interface PreparedPlan {
  readonly plan: AttachmentPlan;
  /** Findings the daemon config relaxes to warnings. */
  readonly warnings: readonly Finding[];
}

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateAttachRequest(req: AttachRequest): void {
  const bad = (field: string, why: string): never => {
    throw new DaemonError("INVALID_REQUEST", `${field} ${why}`, { phase: "plan" });
  };
  if (req.containerId === "") bad("containerId", "is empty");
  if (!CONTAINER_ID.test(req.containerId)) bad("containerId", `"${req.containerId}" must match ${CONTAINER_ID.source}`);
  if (req.netns === "") bad("netns", "is empty");
  if (req.pod.namespace === "" || req.pod.name === "") bad("pod", "namespace and name are required");
}

export async function preparePlan(deps: PrepareDeps, req: AttachRequest, signal?: AbortSignal): Promise<PreparedPlan> {
  validateAttachRequest(req);
  const annotations = await podAnnotations(req, deps.podSource, signal);
  const networks = await deps.resolver.resolve(
    { namespace: req.pod.namespace, name: req.pod.name, annotations, ...(req.selections !== undefined ? { selections: req.selections } : {}) },
    signal !== undefined ? { signal } : {},
  );
  const plan = buildPlan(req, networks, deps.planOptions);
  await verifyPlugins(plan, deps.findPlugin);
  const warnings = deps.preflight !== undefined ? await runPreflight(plan, deps.preflight, signal) : [];
  return { plan, warnings };
}
