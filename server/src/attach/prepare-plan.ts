// From a request to a checked plan, executing nothing but VERSION: annotations → resolver →
// plan → plugin binaries → preflight (configs, versions, node links). Every refusal is here,
// before attach saves anything.
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import { serialRequested, type NetworkResolver, type PodSource } from "../resolve/index.js";
import type { AttachmentPlan } from "./attachment-plan.js";
import type { ResolveRequest } from "./contract.js";
import { podAnnotations } from "./pod-annotations.js";
import { buildPlan, type PlanOptions } from "./plan.js";
import { verifyPlugins, type FindPlugin } from "./plugin-check.js";
import { checkAttachRequest } from "./request-checks.js";
import { resourceNameWarnings } from "./resource-name-warning.js";
import { runPreflight, type PreflightDeps } from "./preflight/run-preflight.js";
import type { Finding } from "./preflight/finding.js";
import type { PortLease } from "./preflight/host-port-claims.js";
import type { DefaultNetworksConfig } from "./default-network-marks.js";

export interface PrepareDeps {
  readonly resolver: NetworkResolver;
  readonly podSource: PodSource;
  readonly findPlugin: FindPlugin;
  readonly planOptions?: PlanOptions;
  /** Bounds on request inputs; the defaults when absent. */
  readonly inputLimits?: InputLimits;
  /** Checks before exec; absent = none (unit tests of other parts). */
  readonly preflight?: PreflightDeps;
  /** The daemon's defaultNetworks, to tell them apart in plans saved before they were marked; none when absent. */
  readonly selectionConfig?: DefaultNetworksConfig;
}

export interface PreparedPlan {
  readonly plan: AttachmentPlan;
  /** Findings the daemon config relaxes to warnings. */
  readonly warnings: readonly Finding[];
}

/** `ports`: an ADD's lease, which claims its hostPorts once checked (preflight/host-port-claims.ts). */
export async function preparePlan(
  deps: PrepareDeps,
  req: ResolveRequest,
  signal?: AbortSignal,
  ports?: PortLease,
): Promise<PreparedPlan> {
  checkAttachRequest(req, deps.inputLimits ?? DEFAULT_INPUT_LIMITS);
  const annotations = await podAnnotations(req, deps.podSource, signal);
  const serial = serialRequested(annotations);
  const networks = await deps.resolver.resolve(
    {
      namespace: req.pod.namespace,
      name: req.pod.name,
      annotations,
      ...(req.selections !== undefined ? { selections: req.selections } : {}),
    },
    signal !== undefined ? { signal } : {},
  );
  const limits = deps.inputLimits ?? DEFAULT_INPUT_LIMITS;
  const built = buildPlan(req, networks, {
    ...deps.planOptions,
    maxJsonDepth: limits.maxJsonDepth,
    maxPortMappings: limits.maxPortMappings,
  });
  const plan: AttachmentPlan = serial ? { ...built, serialNetworks: true } : built;
  await verifyPlugins(plan, deps.findPlugin);
  const runtimePortMappings = req.runtimeConfig?.portMappings;
  const warnings =
    deps.preflight !== undefined
      ? await runPreflight(plan, deps.preflight, signal, {
          ...(runtimePortMappings ? { runtimePortMappings } : {}),
          ...(ports ? { ports } : {}),
        })
      : [];
  return { plan, warnings: [...resourceNameWarnings(networks), ...warnings] };
}
