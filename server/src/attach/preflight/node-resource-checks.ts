// Fields that name a node link: macvlan/ipvlan/vlan `master` and host-device `device` must
// exist; a `bridge` may be absent (the plugin creates it) but must not be another kind of link.
// The error names the network, the key, the value and the links the node has. A pod's own
// options (deviceID, ips) must not take what the node's own networking uses. Pure.
import { pluginsDeclaring } from "../capability-args.js";
import type { DelegateFacts } from "./delegate-facts.js";
import { contextOf, describeDelegate, REFUSED, type Finding } from "./finding.js";
import { nodeAddressHolder, nodeUse } from "./node-addressing.js";
import type { NodeUseView, NodeView } from "./node-links.js";

/** Links listed in an error; a node with hundreds of pod veths would drown the message. */
const MAX_LISTED = 20;
/** Host ends of pod veths (bridge, ptp) are listed last: they are never what a config means. */
const POD_VETH = /^veth[0-9a-f]{8}$/;

export function nodeResourceFindings(all: readonly DelegateFacts[], node: NodeView): Finding[] {
  return all.flatMap((f) =>
    f.nodeLinks.flatMap((field) => {
      const kind = node.kinds.get(field.value);
      let problem: string | undefined;
      if (field.wants === "link" && kind === undefined)
        problem = `names link "${field.value}", which does not exist on this node`;
      if (field.wants === "bridge" && kind !== undefined && kind !== "bridge")
        problem = `names bridge "${field.value}", but the node's link "${field.value}" is not a bridge (${kind})`;
      if (problem === undefined) return [];
      return [
        {
          code: "NODE_RESOURCE_INVALID" as const,
          message: `${describeDelegate(f)}: plugin "${field.plugin}" ${field.key} ${problem}; the node's links: ${listed(node.names)}; ${REFUSED}`,
          networks: [f.delegate.network],
          context: contextOf(f, field.plugin),
          relaxed: false,
        },
      ];
    }),
  );
}

/**
 * A deviceID naming a device whose interface the node uses (moving it into the pod cuts the node
 * off), and an `ips` address the node holds (the pod would answer for the node on that link).
 */
export function podOptionFindings(all: readonly DelegateFacts[], node: NodeUseView): Finding[] {
  return all.flatMap((f) => {
    const args = f.delegate.capabilityArgs;
    const problems: Array<readonly [string, string]> = [];
    const deviceId = args["deviceID"];
    if (typeof deviceId === "string") {
      for (const link of node.deviceLinks.get(deviceId) ?? []) {
        const why = nodeUse(link, node.addressing);
        if (why !== undefined)
          problems.push(["deviceID", `"deviceID" "${deviceId}" names the node's interface ${link}, which ${why}`]);
      }
    }
    const ips = Array.isArray(args["ips"]) ? args["ips"].filter((ip) => typeof ip === "string") : [];
    for (const ip of ips) {
      const held = nodeAddressHolder(ip, node.addressing);
      if (held !== undefined)
        problems.push(["ips", `"ips" entry "${ip}" is the node's own address ${held.address} on ${held.link}`]);
    }
    return problems.map(([capability, problem]) => ({
      code: "NODE_RESOURCE_INVALID" as const,
      message: `network "${f.delegate.network}" (${f.delegate.ifName}): the pod's ${problem}; a pod's options never take the node's own interfaces or addresses; ${REFUSED}`,
      networks: [f.delegate.network],
      context: contextOf(f, pluginsDeclaring(f.list, capability)[0]),
      relaxed: false,
    }));
  });
}

function listed(names: readonly string[]): string {
  const ordered = [...names.filter((n) => !POD_VETH.test(n)), ...names.filter((n) => POD_VETH.test(n))];
  const shown = ordered.slice(0, MAX_LISTED).join(", ");
  return ordered.length > MAX_LISTED ? `${shown}, … (${ordered.length - MAX_LISTED} more)` : shown || "(none)";
}
