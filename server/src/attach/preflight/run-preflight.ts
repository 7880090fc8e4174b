// The checks before exec, in order: what the configs say (IPAM, default routes), the plugin
// binaries' versions (VERSION only), the node's links, then the pod's own options against what
// the node uses (deviceID, ips, hostPorts; an ADD's hostPorts are claimed once checked). The
// first refusal is thrown before anything is saved or run; relaxed findings come back as warnings.
import type { PortMapping } from "../../resolve/index.js";
import type { AttachmentPlan, PlannedDelegate } from "../attachment-plan.js";
import type { AttachmentStore } from "../attachment-store.js";
import { abortError } from "../locks.js";
import { readDelegateFacts, type DelegateFacts } from "./delegate-facts.js";
import { defaultRouteConflicts, settledFamilies, type DefaultRoutePolicy } from "./default-route-conflicts.js";
import { REFUSED, refuseOrWarn, type Finding } from "./finding.js";
import {
  delegateOwner,
  hostPortFindings,
  mappingsOf,
  podDelegateOwner,
  portClaims,
  protocolOf,
  type HeldMapping,
  type HostPortView,
  type PortClaim,
} from "./host-port-checks.js";
import { unwatchedRead, type PortLease, type PortRead } from "./host-port-claims.js";
import type { HostSockets, ListeningSocket, SocketProtocol } from "./host-sockets.js";
import { ipamFindings } from "./ipam-checks.js";
import { viewNode, viewNodeUse, type NodeLinks } from "./node-links.js";
import {
  nodeResourceFindings,
  podOptionFindings,
  readdressedBridgeFindings,
  takenDeviceFindings,
} from "./node-resource-checks.js";
import { checkPluginVersions, type ValidateList } from "./plugin-versions.js";

export interface PreflightDeps {
  readonly nodeLinks: NodeLinks;
  /** The runtime's validateNetworkList. */
  readonly validateList: ValidateList;
  /** Daemon config `defaultRouteConflicts`: refuse (default) or only warn. */
  readonly defaultRoutes: DefaultRoutePolicy;
  /** The host's listening sockets, for a pod's hostPorts; absent: not checked (unit tests of other parts). */
  readonly hostSockets?: HostSockets;
  /** This node's saved attachments, whose port mappings a pod's may not repeat; absent: not checked. */
  readonly attachments?: Pick<AttachmentStore, "list">;
}

/** Which delegates' per-pod options are checked against the node. */
export interface PreflightScope {
  /** A hot-plug's new delegate: only its options are checked (the pod's saved ones run already). */
  readonly added?: PlannedDelegate;
  /** The runtime's runtimeConfig.portMappings (the pod spec's hostPorts): the kubelet's, not checked against sockets. */
  readonly runtimePortMappings?: readonly PortMapping[];
  /** An ADD's lease: its hostPorts are also checked against other ADDs in flight, and claimed once they pass. Absent (ResolveNetworks): checked against saved ones only. */
  readonly ports?: PortLease;
}

export async function runPreflight(
  plan: AttachmentPlan,
  deps: PreflightDeps,
  signal?: AbortSignal,
  scope: PreflightScope = {},
): Promise<Finding[]> {
  const all = plan.delegates.map(readDelegateFacts);
  const routes = all.map((facts) => ({ facts, routes: facts.defaultRoutes, from: "config" as const }));
  const outcome = deps.defaultRoutes === "warn" ? "allowed by defaultRouteConflicts: warn" : REFUSED;
  const warnings = refuseOrWarn([
    ...ipamFindings(all),
    ...defaultRouteConflicts(routes, settledFamilies(all), { policy: deps.defaultRoutes, outcome }),
  ]);
  await checkPluginVersions(all, deps.validateList, signal);
  // A hot-plug's saved networks ran already: a link host-device moved into the pod is off the node now.
  const own = scope.added === undefined ? all : all.filter((f) => f.delegate === scope.added);
  const named = own.flatMap((f) => f.nodeLinks.map((l) => l.value));
  if (named.length > 0) refuseOrWarn(nodeResourceFindings(own, await viewNode(deps.nodeLinks, named)));
  await checkPodOptions(own, deps.nodeLinks, signal);
  await checkHostPorts(plan, all, own, scope, deps, signal);
  return warnings;
}

/** A pod's deviceID and ips, and what its configs take or readdress (host-device, bridge forceAddress), against what the node uses. */
async function checkPodOptions(own: readonly DelegateFacts[], links: NodeLinks, signal?: AbortSignal): Promise<void> {
  const args = own.map((f) => f.delegate.capabilityArgs);
  const taken = own.flatMap((f) => f.takenDevices);
  const readdressed = own.some((f) => f.readdressedBridges.length > 0);
  if (taken.length === 0 && !readdressed && !args.some((a) => a["deviceID"] !== undefined || a["ips"] !== undefined))
    return;
  const deviceIds = [
    ...args.flatMap((a) => (typeof a["deviceID"] === "string" ? [a["deviceID"]] : [])),
    ...taken.flatMap((t) => (t.by === "device" ? [t.value] : [])),
  ];
  const view = await viewNodeUse(links, deviceIds, signal);
  refuseOrWarn([
    ...takenDeviceFindings(own, view),
    ...readdressedBridgeFindings(own, view),
    ...podOptionFindings(own, view),
  ]);
}

/** Reads of the hostPorts' holders at most, when claims on them are released during the reads. */
export const HOST_PORT_READS = 3;

async function checkHostPorts(
  plan: AttachmentPlan,
  all: readonly DelegateFacts[],
  own: readonly DelegateFacts[],
  scope: PreflightScope,
  deps: PreflightDeps,
  signal?: AbortSignal,
): Promise<void> {
  const claims = portClaims(own, scope.runtimePortMappings);
  if (claims.length > 0) {
    const mappings = claims.map((c) => c.mapping);
    const read = () => hostPortView(plan, all, claims, deps);
    const readWatching = () => scope.ports?.whileReading(mappings, read) ?? unwatchedRead(read);
    let reading: PortRead<HostPortView> | undefined;
    let pass = 0;
    // A claim released during the reads was an ADD's whose record the read may have missed: read
    // again, a few times at most (ADDs of these ports saving on end must not keep one reading for
    // ever): after the last the check goes on with what it read, as it did before these re-reads.
    // Each read's watch lasts until the next read or the check, so no release falls between them.
    do {
      reading?.end();
      if (signal?.aborted === true) throw abortError(signal, "reading the node's hostPorts for preflight");
      reading = await readWatching();
    } while (reading.released() && ++pass < HOST_PORT_READS);
    const view = reading.value;
    reading.end();
    // No await from here to the claim: of two ADDs in flight with one hostPort, the second sees the first's.
    refuseOrWarn(hostPortFindings(claims, { ...view, held: [...view.held, ...(scope.ports?.others() ?? [])] }));
  }
  // The runtime's mappings too, as a saved record holds them all.
  scope.ports?.take(
    own.flatMap((f) =>
      mappingsOf(f.delegate).map((mapping) => ({
        mapping,
        owner: podDelegateOwner(plan.pod, plan.containerId, f.delegate),
      })),
    ),
  );
}

/** The sockets listening on the claims' protocols, and the mappings of the plan and of saved attachments. */
async function hostPortView(
  plan: AttachmentPlan,
  all: readonly DelegateFacts[],
  claims: readonly PortClaim[],
  deps: PreflightDeps,
): Promise<HostPortView> {
  const sockets = deps.hostSockets;
  const protocols = [...new Set(claims.map((c) => protocolOf(c.mapping)))].filter(
    (p): p is SocketProtocol => p === "tcp" || p === "udp",
  );
  const [listening, saved] = await Promise.all([
    Promise.all(protocols.map(async (p) => [p, sockets ? await sockets.listening(p) : []] as const)),
    savedMappings(deps.attachments, plan.containerId),
  ]);
  const inPlan = all.flatMap((f) =>
    mappingsOf(f.delegate).map((mapping) => ({ mapping, owner: delegateOwner(f.delegate) })),
  );
  return { listening: new Map<SocketProtocol, readonly ListeningSocket[]>(listening), held: [...inPlan, ...saved] };
}

/** Port mappings of other containers' saved attachments; unreadable records hold none that can be told. */
async function savedMappings(
  store: Pick<AttachmentStore, "list"> | undefined,
  containerId: string,
): Promise<HeldMapping[]> {
  if (store === undefined) return [];
  return (await store.list()).flatMap(({ containerId: id, read }) => {
    if (id === containerId || read.state !== "found") return [];
    const { pod, delegates } = read.record.plan;
    return delegates.flatMap((d) => mappingsOf(d).map((mapping) => ({ mapping, owner: podDelegateOwner(pod, id, d) })));
  });
}
