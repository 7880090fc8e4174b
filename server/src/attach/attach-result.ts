// The answer to a successful ADD: one AttachedInterface per delegate, the cluster network's
// result in the caller's version, and the network-status entries.
import { convertResult, isCniError, type CniResult } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentPlan } from "./attachment-plan.js";
import type { AttachResult } from "./contract.js";
import { buildAttachedInterface, resultGateways } from "./attached-interface.js";
import { delegateList } from "./delegate-invocation.js";
import { readDeviceInfo } from "./device-info.js";
import type { GatewaysFor } from "./default-routes.js";
import { toNetworkStatus } from "./network-status.js";
import { viewResult } from "./result-view.js";
import { toDaemonError } from "./cni-error.js";

export async function buildAttachResult(
  plan: AttachmentPlan,
  results: Readonly<Record<string, CniResult>>,
  gatewaysFor: GatewaysFor | undefined,
  cniVersion: string | undefined,
): Promise<AttachResult> {
  const interfaces = [];
  for (const d of plan.delegates) {
    const result = results[d.ifName];
    if (result === undefined)
      throw new DaemonError("INTERNAL", `no result saved for network "${d.network}" (${d.ifName})`, {
        network: d.network,
        phase: "add",
      });
    const deviceInfo = await readDeviceInfo(d);
    const fromResult = resultGateways(viewResult(result));
    interfaces.push(
      buildAttachedInterface(d, result, {
        gateways: gatewaysFor !== undefined ? gatewaysFor(d.ifName, fromResult) : fromResult,
        ...(deviceInfo !== undefined ? { deviceInfo } : {}),
      }),
    );
  }
  const primary = plan.delegates.find((d) => d.isDefault) ?? plan.delegates[0];
  if (primary === undefined) throw new DaemonError("INTERNAL", "the plan has no delegates", { phase: "add" });
  const version = cniVersion !== undefined && cniVersion !== "" ? cniVersion : delegateList(primary, "add").cniVersion;
  let primaryResult: CniResult;
  const result = results[primary.ifName]!;
  try {
    primaryResult = convertResult(result, version);
  } catch (err) {
    if (!isCniError(err)) throw toDaemonError(err, { network: primary.network, ifName: primary.ifName, phase: "add" });
    // The plugins ran: toDaemonError would call this a refusal before running any.
    throw new DaemonError(
      "INCOMPATIBLE_CNI_VERSION",
      `network "${primary.network}" (${primary.ifName}): its ADD result (CNI ${result.cniVersion}) cannot be given in the requested version ${version}: ${err.msg}`,
      { network: primary.network, ifName: primary.ifName, phase: "add", cniCode: err.code },
      { cause: err },
    );
  }
  return { interfaces, primaryResult, networkStatus: toNetworkStatus(interfaces) };
}
