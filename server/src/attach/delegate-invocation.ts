// Rebuilds what the runtime needs for one saved delegate: its config list and RuntimeConf.
import { parseNetworkConfigList, type NetworkConfigList, type RuntimeConf } from "../cni/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { describeOrigin } from "./origin.js";
import { toDaemonError } from "./cni-error.js";

export function delegateList(delegate: PlannedDelegate, phase: string): NetworkConfigList {
  const source = describeOrigin(delegate.origin);
  try {
    return parseNetworkConfigList(delegate.config, source);
  } catch (err) {
    throw toDaemonError(err, { network: delegate.network, ifName: delegate.ifName, phase, source });
  }
}

/** `handle`: what plugins enter (a pinned namespace); `netns` stays what results and the cache show. */
export function delegateRuntimeConf(
  containerId: string,
  netns: string,
  delegate: PlannedDelegate,
  handle?: string,
): RuntimeConf {
  return {
    containerId,
    netns,
    ...(handle !== undefined && handle !== netns ? { netnsHandle: handle } : {}),
    ifName: delegate.ifName,
    args: delegate.cniArgs,
    capabilityArgs: delegate.capabilityArgs,
  };
}
