// Readiness: the daemon's own reasons plus the cluster network's plugins and its CNI STATUS. The
// plugins (and their IPAM plugins) must exist whatever the version: below 1.1.0 STATUS is a no-op,
// which would call a node ready whose every ADD then fails with PLUGIN_NOT_FOUND.
import { isCniError, supportsGcAndStatus, type CniRuntime, type NetworkConfigList } from "../cni/index.js";
import type { ServiceStatus } from "./contract.js";

export interface StatusDeps {
  readonly runtime: CniRuntime;
  readonly clusterNetwork: () => NetworkConfigList | undefined;
  /** Why the daemon is not ready (sources not synced, shutting down...); empty when ready. */
  readonly notReadyReasons?: () => readonly string[];
}

export async function serviceStatus(deps: StatusDeps, signal: AbortSignal): Promise<ServiceStatus> {
  const reasons = [...(deps.notReadyReasons?.() ?? [])];
  const list = deps.clusterNetwork();
  if (list === undefined) {
    reasons.push("no cluster network configuration is loaded");
    return { ready: false, reasons };
  }
  let step = "plugins";
  try {
    await deps.runtime.validateNetworkList(list, { signal });
    step = "STATUS";
    await deps.runtime.getStatusNetworkList(list, { signal });
    const note = supportsGcAndStatus(list.cniVersion)
      ? {}
      : { message: `cniVersion ${list.cniVersion} has no STATUS (CNI 1.1.0): its plugins were found, not asked` };
    return { ready: reasons.length === 0, reasons, clusterNetwork: { name: list.name, ok: true, ...note } };
  } catch (err) {
    const cniCode = isCniError(err) ? err.code : undefined;
    const message = isCniError(err) ? err.msg : err instanceof Error ? err.message : String(err);
    reasons.push(`cluster network "${list.name}" ${step === "STATUS" ? "STATUS failed" : "cannot run"}: ${message}`);
    return {
      ready: false,
      reasons,
      clusterNetwork: { name: list.name, ok: false, ...(cniCode !== undefined ? { cniCode } : {}), message },
    };
  }
}
