// Fields that name a node link: macvlan/ipvlan/vlan `master` and host-device `device` must
// exist; a `bridge` may be absent (the plugin creates it) but must not be another kind of link.
// The error names the network, the key, the value and the links the node has. A pod's own
// options (deviceID, ips) and a host-device config must not take what the node's own networking
// uses. Pure.
import { pluginsDeclaring } from "../capability-args.js";
import { canonicalHardwareAddress } from "../../resolve/index.js";
import type { ConfigKey, DelegateFacts, TakenDevice } from "./delegate-facts.js";
import { contextOf, describeDelegate, REFUSED, type Finding } from "./finding.js";
import { sameAddress } from "./ip-prefix.js";
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

/** Why a pod's option is refused, after what it takes. */
const NODE_RULE = "a pod's options never take the node's own interfaces or addresses";
const GATEWAY_RULE = "a pod's address is never its network's gateway (the router on its link)";

/**
 * A deviceID naming a device whose interface the node uses (moving it into the pod cuts the node
 * off), and an `ips` address the node holds (the pod would answer for the node on that link) or
 * the network's IPAM names as gateway (static IPAM configures it silently, a conflict with the router).
 */
export function podOptionFindings(all: readonly DelegateFacts[], node: NodeUseView): Finding[] {
  return all.flatMap((f) => {
    const args = f.delegate.capabilityArgs;
    const problems: Array<readonly [capability: string, problem: string, rule: string]> = [];
    const deviceId = args["deviceID"];
    if (typeof deviceId === "string") {
      for (const link of node.deviceLinks.get(deviceId) ?? []) {
        const why = nodeUse(link, node.addressing);
        if (why !== undefined)
          problems.push([
            "deviceID",
            `"deviceID" "${deviceId}" names the node's interface ${link}, which ${why}`,
            NODE_RULE,
          ]);
      }
    }
    const ips = Array.isArray(args["ips"]) ? args["ips"].filter((ip) => typeof ip === "string") : [];
    for (const ip of ips) {
      const held = nodeAddressHolder(ip, node.addressing);
      if (held !== undefined)
        problems.push([
          "ips",
          `"ips" entry "${ip}" is the node's own address ${held.address} on ${held.link}`,
          NODE_RULE,
        ]);
      const gateway = held === undefined ? gatewayAt(f, ip) : undefined;
      if (gateway !== undefined)
        problems.push([
          "ips",
          `"ips" entry "${ip}" is the network's gateway ${gateway.key} "${gateway.value}" in ${f.source}`,
          GATEWAY_RULE,
        ]);
    }
    return problems.map(([capability, problem, rule]) => ({
      code: "NODE_RESOURCE_INVALID" as const,
      message: `network "${f.delegate.network}" (${f.delegate.ifName}): the pod's ${problem}; ${rule}; ${REFUSED}`,
      networks: [f.delegate.network],
      context: contextOf(f, pluginsDeclaring(f.list, capability)[0]),
      relaxed: false,
    }));
  });
}

const TAKEN_RULE = "a network never takes the node's own interfaces for a pod";

/**
 * A host-device config whose `device`, `pciBusID` or `hwaddr` names an interface the node uses,
 * or a passthru macvlan on one: moving it into the pod, or its traffic, cuts the node off (its
 * address, default route, or a link stacked on it).
 * A NetworkAttachmentDefinition is written by whoever may create one in a namespace, not only by
 * the node's admin, so its config is checked as a pod's own options are.
 */
export function takenDeviceFindings(own: readonly DelegateFacts[], node: NodeUseView): Finding[] {
  return own.flatMap((f) =>
    f.takenDevices.flatMap((taken) =>
      takenLinks(taken, node).flatMap((link) => {
        const why = nodeUse(link, node.addressing);
        if (why === undefined) return [];
        const names = taken.by === "link" ? `"${taken.value}"` : `"${taken.value}" (the node's interface ${link})`;
        const effect =
          taken.effect === "move"
            ? "would move into the pod an interface which"
            : 'with mode "passthru" would give the pod all the traffic of an interface which';
        return [
          {
            code: "NODE_RESOURCE_INVALID" as const,
            message: `${describeDelegate(f)}: plugin "${taken.plugin}" ${taken.key} ${names} ${effect} ${why}; ${TAKEN_RULE}; ${REFUSED}`,
            networks: [f.delegate.network],
            context: contextOf(f, taken.plugin),
            relaxed: false,
          },
        ];
      }),
    ),
  );
}

/**
 * A bridge config with `isGateway` and `forceAddress` on a bridge that holds the node's addresses:
 * the plugin deletes them to set the gateway's, and the node loses its address on that link.
 */
export function readdressedBridgeFindings(own: readonly DelegateFacts[], node: NodeUseView): Finding[] {
  return own.flatMap((f) =>
    f.readdressedBridges.flatMap((bridge) => {
      const held = node.addressing.links.find((l) => l.name === bridge.value)?.addresses ?? [];
      if (held.length === 0) return [];
      return [
        {
          code: "NODE_RESOURCE_INVALID" as const,
          message: `${describeDelegate(f)}: plugin "${bridge.plugin}" ${bridge.key}=true with isGateway would replace the addresses of bridge "${bridge.value}", which holds the node's address ${held.join(", ")}; a network never changes the node's own addresses; ${REFUSED}`,
          networks: [f.delegate.network],
          context: contextOf(f, bridge.plugin),
          relaxed: false,
        },
      ];
    }),
  );
}

/** The node's links a taken device names. */
function takenLinks(taken: TakenDevice, node: NodeUseView): readonly string[] {
  if (taken.by === "link") return [taken.value];
  if (taken.by === "device") return node.deviceLinks.get(taken.value) ?? [];
  const mac = canonicalHardwareAddress(taken.value);
  return node.addressing.links.filter((l) => mac !== undefined && l.mac === mac).map((l) => l.name);
}

/** The IPAM gateway key whose address is the address part of `ip`, if any. */
function gatewayAt(f: DelegateFacts, ip: string): ConfigKey | undefined {
  return f.gateways.find((g) => sameAddress(g.value, ip));
}

function listed(names: readonly string[]): string {
  const ordered = [...names.filter((n) => !POD_VETH.test(n)), ...names.filter((n) => POD_VETH.test(n))];
  const shown = ordered.slice(0, MAX_LISTED).join(", ");
  return ordered.length > MAX_LISTED ? `${shown}, … (${ordered.length - MAX_LISTED} more)` : shown || "(none)";
}
