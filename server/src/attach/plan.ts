// The attachment plan (pure): every delegate's final config, interface, args and capability
// args, in attach order. Everything that can be rejected without running a plugin is rejected here.
import { join } from "node:path";
import { jsonValueDepth, parseNetworkConfigList, type JsonObject, type NetworkConfigList } from "../cni/index.js";
import { limitExceeded } from "../limits/input-limits.js";
import type { ResolvedNetwork } from "../resolve/index.js";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import type { ResolveRequest } from "./contract.js";
import { assignInterfaceNames } from "./interface-names.js";
import { checkDefaultRoutes } from "./default-route-plan.js";
import { mergeCniArgs } from "./cni-args-merge.js";
import { runtimeCapabilityArgs, selectionCapabilityArgs } from "./capability-args.js";
import { describeOrigin } from "./origin.js";
import { toDaemonError } from "./cni-error.js";

export interface PlanOptions {
  /** Where device-info files of networks with a resourceName go (Multus devinfo/cni); off when absent. */
  readonly deviceInfoDir?: string;
  /** limits.maxJsonDepth for each network's config. */
  readonly maxJsonDepth?: number;
  /** limits.maxPortMappings for each network's own portMappings. */
  readonly maxPortMappings?: number;
}

export function buildPlan(
  request: ResolveRequest,
  networks: readonly ResolvedNetwork[],
  opts: PlanOptions = {},
): AttachmentPlan {
  const ifNames = assignInterfaceNames(networks, request.primaryIfName);
  checkDefaultRoutes(networks);
  const delegates = networks.map((n, idx) => planDelegate(request, n, ifNames[idx]!, opts));
  return {
    containerId: request.containerId ?? "",
    netns: request.netns ?? "",
    pod: request.pod,
    primaryIfName: request.primaryIfName,
    delegates,
    defaultNetworksMarked: true,
  };
}

function planDelegate(request: ResolveRequest, n: ResolvedNetwork, ifName: string, opts: PlanOptions): PlannedDelegate {
  const source = describeOrigin(n.definition.origin);
  const where = { network: n.network, ifName, phase: "plan", source };
  const max = opts.maxJsonDepth;
  if (max !== undefined) {
    if (jsonValueDepth(n.definition.config, max) > max) {
      throw limitExceeded(
        `network "${n.network}": its config (${source}) nests JSON more than ${max} deep`,
        "maxJsonDepth",
        max,
        where,
      );
    }
    if (jsonValueDepth(n.selection.cniArgs, max) > max)
      throw limitExceeded(
        `network "${n.network}": its cni-args nest JSON more than ${max} deep`,
        "maxJsonDepth",
        max,
        where,
      );
  }
  let list: NetworkConfigList;
  let config: JsonObject;
  try {
    const original = parseNetworkConfigList(n.definition.config, source);
    config = mergeCniArgs(original.raw, n.selection.cniArgs);
    list = config === original.raw ? original : parseNetworkConfigList(config, source);
  } catch (err) {
    throw toDaemonError(err, where);
  }
  const isDefault = n.role === "cluster";
  const capabilityArgs: Record<string, unknown> = {
    ...(isDefault ? runtimeCapabilityArgs(request.runtimeConfig) : {}),
    ...selectionCapabilityArgs(n.network, source, n.selection, list, opts.maxPortMappings),
  };
  if (opts.deviceInfoDir !== undefined && n.definition.resourceName !== undefined) {
    const file = `${n.network.replaceAll("/", "-")}-${request.containerId ?? ""}_${ifName}`;
    capabilityArgs["CNIDeviceInfoFile"] = join(opts.deviceInfoDir, file);
  }
  return {
    network: n.network,
    ifName,
    isDefault,
    ...(n.role === "default" ? { fromDefaultNetworks: true as const } : {}),
    config,
    capabilityArgs,
    cniArgs: delegateCniArgs(request),
    origin: n.definition.origin,
    ...(n.selection.defaultRoute !== undefined ? { defaultRoute: n.selection.defaultRoute } : {}),
  };
}

/** CNI_ARGS every delegate gets (Multus newCNIRuntimeConf) plus the runtime's own, without duplicate keys. */
export function delegateCniArgs(request: ResolveRequest): Array<readonly [string, string]> {
  const args: Array<readonly [string, string]> = [
    ["IgnoreUnknown", "1"],
    ["K8S_POD_NAMESPACE", request.pod.namespace],
    ["K8S_POD_NAME", request.pod.name],
    ["K8S_POD_INFRA_CONTAINER_ID", request.containerId ?? ""],
    ["K8S_POD_UID", request.pod.uid],
  ];
  const seen = new Set(args.map(([k]) => k));
  for (const [k, v] of request.cniArgs ?? []) {
    if (seen.has(k)) continue;
    seen.add(k);
    args.push([k, v]);
  }
  return args;
}
