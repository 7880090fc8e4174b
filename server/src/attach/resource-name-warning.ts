// k8s.v1.cni.cncf.io/resourceName on a definition: Multus asks the kubelet's pod-resources API
// which device was allocated and hands its id to the delegate. netattach does not (yet), so say so
// in the plan instead of letting an SR-IOV-style plugin fail at ADD without a word about why.
import { RESOURCE_NAME_ANNOTATION, describeOrigin, type ResolvedNetwork } from "../resolve/index.js";
import type { Finding } from "./preflight/finding.js";

export function resourceNameWarnings(networks: readonly ResolvedNetwork[]): Finding[] {
  return networks.flatMap((n) => {
    const resource = n.definition.resourceName;
    if (resource === undefined) return [];
    const source = describeOrigin(n.definition.origin);
    return [
      {
        code: "INVALID_NETWORK_CONFIG",
        message:
          `network "${n.network}" (${source}): ${RESOURCE_NAME_ANNOTATION} ${JSON.stringify(resource)} is not supported: ` +
          "no device is looked up for it (no deviceID reaches the delegate); a plugin that needs one, such as SR-IOV, fails at ADD",
        networks: [n.network],
        context: { network: n.network, source, phase: "plan" },
        relaxed: true,
      },
    ];
  });
}
