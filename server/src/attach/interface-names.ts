// Interface names for a pod's delegates, Multus style: the cluster network takes the primary
// name, the rest net<idx> by position; explicit names are honoured and still use up their index.
import { interfaceNameProblem } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { ResolvedNetwork } from "../resolve/index.js";

/** Why `name` cannot be a pod interface a delegate creates: the kernel's rules, and "lo", which every netns has and nothing may remove. */
function podInterfaceProblem(name: string): string | undefined {
  return (
    interfaceNameProblem(name) ??
    (name === "lo" ? "is the namespace's loopback, which exists already and cannot be removed" : undefined)
  );
}

export function assignInterfaceNames(networks: readonly ResolvedNetwork[], primaryIfName: string): string[] {
  const primaryProblem = podInterfaceProblem(primaryIfName);
  if (primaryProblem !== undefined) {
    throw new DaemonError("INVALID_REQUEST", `primary interface name ${quoteInput(primaryIfName)} ${primaryProblem}`, {
      phase: "plan",
      ifName: primaryIfName,
    });
  }
  const names = networks.map((n, idx) => {
    const explicit = n.selection.interface;
    if (explicit !== undefined && explicit !== "") {
      const problem = podInterfaceProblem(explicit);
      if (problem !== undefined) {
        throw new DaemonError(
          "INTERFACE_CONFLICT",
          `network "${n.network}" asks for interface ${quoteInput(explicit)}, which ${problem}`,
          {
            network: n.network,
            ifName: explicit,
            phase: "plan",
          },
        );
      }
      return explicit;
    }
    return n.role === "cluster" ? primaryIfName : positionalName(idx);
  });
  const owner = new Map<string, number>();
  names.forEach((name, idx) => {
    const first = owner.get(name);
    if (first === undefined) {
      owner.set(name, idx);
      return;
    }
    const a = networks[first]!.network;
    const b = networks[idx]!.network;
    throw new DaemonError(
      "INTERFACE_CONFLICT",
      `interface "${name}" is used twice: by network "${a}" (#${first}) and by network "${b}" (#${idx})`,
      {
        network: b,
        ifName: name,
        phase: "plan",
      },
    );
  });
  return names;
}

/** Multus's name for the network at `idx` in the pod's list (the cluster network is 0). */
export function positionalName(idx: number): string {
  return `net${idx}`;
}
