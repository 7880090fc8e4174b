// Proto ⇄ domain for the hot-plug RPCs (AttachNetwork, DetachNetwork). Shape only.
import type * as svc from "../../../proto/gen/netattach/v1/attachment_service.js";
import type * as d from "../attach/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { attachedInterfaceToProto, selectionFromProto, type MappingLimits } from "./mapping.js";

export function attachNetworkRequestFromProto(
  req: svc.AttachNetworkRequest,
  limits?: MappingLimits,
): d.AttachNetworkRequest {
  if (req.selection === undefined || req.selection.name === "") {
    throw new DaemonError("INVALID_REQUEST", "AttachNetwork needs a selection with a network name", {
      phase: "hotplug-add",
      source: "selection",
    });
  }
  return { containerId: req.containerId, selection: selectionFromProto(req.selection, "selection", limits) };
}

export function attachNetworkResultToProto(res: d.AttachNetworkResult): svc.AttachNetworkResponse {
  return { interface: attachedInterfaceToProto(res.attached), networkStatusJson: JSON.stringify(res.networkStatus) };
}

export function detachNetworkRequestFromProto(req: svc.DetachNetworkRequest): d.DetachNetworkRequest {
  return {
    containerId: req.containerId,
    ...(req.interface !== undefined ? { ifName: req.interface } : {}),
    ...(req.network !== undefined ? { network: { namespace: req.network.namespace, name: req.network.name } } : {}),
  };
}

export function detachNetworkResultToProto(res: d.DetachNetworkResult): svc.DetachNetworkResponse {
  return {
    removed: res.removed.map((r) => ({ network: r.network, interface: r.ifName })),
    orphaned: res.orphaned.map((o) => ({ network: o.network, interface: o.ifName, cause: o.cause })),
    networkStatusJson: JSON.stringify(res.networkStatus),
  };
}
