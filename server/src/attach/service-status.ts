// Readiness: the daemon's own reasons plus the cluster network's CNI STATUS.
import { isCniError, type CniRuntime, type NetworkConfigList } from "../cni/index.js";
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
  try {
    await deps.runtime.getStatusNetworkList(list, { signal });
    return { ready: reasons.length === 0, reasons, clusterNetwork: { name: list.name, ok: true } };
  } catch (err) {
    const cniCode = isCniError(err) ? err.code : undefined;
    const message = isCniError(err) ? err.msg : err instanceof Error ? err.message : String(err);
    reasons.push(`cluster network "${list.name}" STATUS failed: ${message}`);
    return {
      ready: false,
      reasons,
      clusterNetwork: { name: list.name, ok: false, ...(cniCode !== undefined ? { cniCode } : {}), message },
    };
  }
}
