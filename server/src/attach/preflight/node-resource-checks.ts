// Fields that name a node link: macvlan/ipvlan/vlan `master` and host-device `device` must
// exist; a `bridge` may be absent (the plugin creates it) but must not be another kind of link.
// The error names the network, the key, the value and the links the node has. Pure.
import type { DelegateFacts } from "./delegate-facts.js";
import { contextOf, describeDelegate, REFUSED, type Finding } from "./finding.js";
import type { NodeView } from "./node-links.js";

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

function listed(names: readonly string[]): string {
  const ordered = [...names.filter((n) => !POD_VETH.test(n)), ...names.filter((n) => POD_VETH.test(n))];
  const shown = ordered.slice(0, MAX_LISTED).join(", ");
  return ordered.length > MAX_LISTED ? `${shown}, … (${ordered.length - MAX_LISTED} more)` : shown || "(none)";
}
