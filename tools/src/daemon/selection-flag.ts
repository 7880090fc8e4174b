// --network for the hot-plug commands: ONE element of the networks annotation, in either form
// ("ns/name@if" or a JSON object), read by the daemon's own annotation parser and sent as a
// NetworkSelection. A name without a namespace is left for the daemon to qualify with the pod's.
import { NetworkSelection } from "../../../proto/gen/netattach/v1/selection.js";
import { parseNetworkSelections } from "../../../server/src/resolve/index.js";
import { UsageError } from "../command.js";

export function selectionFlag(value: string, flag = "--network"): NetworkSelection {
  let parsed;
  try {
    parsed = parseNetworkSelections(value, "", flag);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const [s] = parsed;
  if (s === undefined || parsed.length !== 1)
    throw new UsageError(`${flag} must name exactly one network, got ${parsed.length}`);
  return NetworkSelection.fromPartial({
    name: s.name,
    ...(s.namespace !== undefined && s.namespace !== "" ? { namespace: s.namespace } : {}),
    ...(s.interface !== undefined ? { interface: s.interface } : {}),
    ips: [...(s.ips ?? [])],
    ...(s.mac !== undefined ? { mac: s.mac } : {}),
    ...(s.defaultRoute !== undefined ? { defaultRoute: { gateways: [...s.defaultRoute] } } : {}),
    portMappings: (s.portMappings ?? []).map((p) => ({
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol ?? "",
      hostIp: p.hostIP ?? "",
    })),
    ...(s.bandwidth !== undefined ? { bandwidth: s.bandwidth } : {}),
    ...(s.cniArgs !== undefined ? { cniArgsJson: JSON.stringify(s.cniArgs) } : {}),
    ...(s.infinibandGuid !== undefined ? { infinibandGuid: s.infinibandGuid } : {}),
    ...(s.deviceId !== undefined ? { deviceId: s.deviceId } : {}),
    ...(s.ipamClaimReference !== undefined ? { ipamClaimReference: s.ipamClaimReference } : {}),
  });
}
