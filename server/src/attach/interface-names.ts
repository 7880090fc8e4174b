// Interface names for a pod's delegates, Multus style: the cluster network takes the primary
// name, the rest net<idx> by position; explicit names are honoured and still use up their index.
// Before any plugin runs, the names a plan will create must be free in the pod's netns.
import { interfaceNameProblem } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { PodLinks } from "../netns/pod-links.js";
import type { ResolvedNetwork } from "../resolve/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { REFUSED } from "./preflight/finding.js";

/** Why `name` cannot be a pod interface a delegate creates: the kernel's rules, and "lo", which every netns has and nothing may remove. */
function podInterfaceProblem(name: string): string | undefined {
  return (
    interfaceNameProblem(name) ??
    (name === "lo" ? "is the namespace's loopback, which exists already and cannot be removed" : undefined)
  );
}

/** The request's interface for the cluster network (CNI_IFNAME), by the pod interface rules. */
export function checkPrimaryIfName(primaryIfName: string, phase = "plan"): void {
  const primaryProblem = podInterfaceProblem(primaryIfName);
  if (primaryProblem !== undefined) {
    throw new DaemonError("INVALID_REQUEST", `primary interface name ${quoteInput(primaryIfName)} ${primaryProblem}`, {
      phase,
      ifName: primaryIfName,
    });
  }
}

export function assignInterfaceNames(networks: readonly ResolvedNetwork[], primaryIfName: string): string[] {
  checkPrimaryIfName(primaryIfName);
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

/**
 * Refuses, before any plugin runs, an interface name a link of the pod's netns already answers to
 * (its name or an altname): the plugin would fail on it, and the rollback's DEL, which goes by
 * name, would then delete a link netattach did not create. Only the delegates about to create their
 * interface are given (a first ADD's all, a hot-plug's new one): the saved attachment's are there already.
 */
export async function checkInterfacesFree(
  links: Pick<PodLinks, "names">,
  /** The pinned namespace to look in, and the path the caller named it by. */
  netns: { readonly handle: string; readonly path: string },
  creating: readonly PlannedDelegate[],
  /** Where a secondary's interface name was asked for (the selection element, or its list). */
  askedIn: (d: PlannedDelegate) => string,
  signal?: AbortSignal,
): Promise<void> {
  if (creating.length === 0) return;
  let taken: ReadonlySet<string>;
  try {
    taken = await links.names(netns.handle, signal !== undefined ? { signal } : {});
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new DaemonError(
      "INVALID_NETNS",
      `netns ${quoteInput(netns.path)}: its links cannot be listed to check the interface names the pod's networks would create (${msg}); ${REFUSED}`,
      { phase: "preflight", source: "netns" },
      { cause: err },
    );
  }
  const d = creating.find((c) => taken.has(c.ifName));
  if (d === undefined) return;
  const source = d.isDefault ? "primaryInterface" : askedIn(d);
  const named = d.isDefault ? "the runtime's interface name (CNI_IFNAME)" : `its interface name (${source})`;
  throw new DaemonError(
    "INTERFACE_CONFLICT",
    `network "${d.network}" would create interface "${d.ifName}" in netns ${quoteInput(netns.path)}, which already has a link named "${d.ifName}" that netattach did not create: ` +
      `${named} must not name an existing link of the pod (its plugin would fail, and the rollback delete that link); choose another interface name or remove the link; ${REFUSED}`,
    { network: d.network, ifName: d.ifName, phase: "preflight", source },
  );
}
