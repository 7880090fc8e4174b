// A pod's own portMappings (annotation, request selections) against the node: portmap DNATs a
// hostPort on every local address, so a port a host socket listens on (sshd, the kubelet) would
// be taken from the host, and one another mapping holds would answer for one pod only, the other's
// ADD succeeding with a dead mapping. The runtime's own mappings (the pod spec's hostPort, which the
// scheduler de-conflicts) are not checked against sockets: they are the kubelet's. Pure.
import { ipValue } from "../../cni/index.js";
import type { PortMapping } from "../../resolve/index.js";
import type { PlannedDelegate, PodRef } from "../attachment-plan.js";
import { pluginsDeclaring } from "../capability-args.js";
import type { DelegateFacts } from "./delegate-facts.js";
import { contextOf, REFUSED, type Finding } from "./finding.js";
import type { ListeningSocket, SocketProtocol } from "./host-sockets.js";
import { sameAddress } from "./ip-prefix.js";

/** A mapping and who holds it: "network "x" (net1) of this pod", "pod ns/name (container …), network "y"". */
export interface HeldMapping {
  readonly mapping: PortMapping;
  readonly owner: string;
}

export interface PortClaim extends HeldMapping {
  readonly facts: DelegateFacts;
}

export interface HostPortView {
  /** Listening sockets by protocol; a protocol absent is not checked (sctp). */
  readonly listening: ReadonlyMap<SocketProtocol, readonly ListeningSocket[]>;
  /** Every other mapping: the plan's other delegates' and other containers' saved ones. */
  readonly held: readonly HeldMapping[];
}

/** The delegates' portMappings, less those the runtime sent (the cluster network's runtimeConfig). */
export function portClaims(facts: readonly DelegateFacts[], runtime: readonly PortMapping[] = []): PortClaim[] {
  return facts.flatMap((f) =>
    mappingsOf(f.delegate)
      .filter((m) => !(f.delegate.isDefault && runtime.some((r) => sameMapping(r, m))))
      .map((mapping) => ({ facts: f, mapping, owner: delegateOwner(f.delegate) })),
  );
}

export function mappingsOf(d: PlannedDelegate): PortMapping[] {
  const value = d.capabilityArgs["portMappings"];
  return Array.isArray(value) ? (value as PortMapping[]) : [];
}

export function delegateOwner(d: PlannedDelegate): string {
  return `network "${d.network}" (${d.ifName}) of this pod`;
}

/** Another container's delegate, as a message names it before "already maps it". */
export function podDelegateOwner(pod: PodRef, containerId: string, d: PlannedDelegate): string {
  return `pod ${pod.namespace}/${pod.name} (container ${containerId.slice(0, 12)}), network "${d.network}" (${d.ifName}),`;
}

export function protocolOf(m: PortMapping): string {
  return (m.protocol ?? "").toLowerCase() || "tcp";
}

export function hostPortFindings(claims: readonly PortClaim[], view: HostPortView): Finding[] {
  return claims.flatMap((claim) => {
    const m = claim.mapping;
    const protocol = protocolOf(m);
    const socket = view.listening
      .get(protocol as SocketProtocol)
      ?.find((s) => s.port === m.hostPort && addressesMeet(s.address, m.hostIP));
    const other = view.held.find((h) => h.mapping !== m && mappingsMeet(h.mapping, m));
    const taken =
      socket !== undefined
        ? `a socket of the node listens on ${socket.address}:${socket.port}/${protocol}`
        : other !== undefined
          ? `${other.owner} already maps it`
          : undefined;
    if (taken === undefined) return [];
    const d = claim.facts.delegate;
    const hostIP = m.hostIP !== undefined && m.hostIP !== "" ? ` on ${m.hostIP}` : "";
    return [
      {
        code: "NODE_RESOURCE_INVALID" as const,
        message: `network "${d.network}" (${d.ifName}): the pod's "portMappings" hostPort ${m.hostPort}/${protocol}${hostIP} is taken: ${taken}; a pod's port mappings never take a port of the node or of another mapping; ${REFUSED}`,
        networks: [d.network],
        context: contextOf(claim.facts, pluginsDeclaring(claim.facts.list, "portMappings")[0]),
        relaxed: false,
      },
    ];
  });
}

/** Whether two mappings can take the same packet: one protocol and hostPort, hostIPs that meet. */
export function mappingsMeet(a: PortMapping, b: PortMapping): boolean {
  return a.hostPort === b.hostPort && protocolOf(a) === protocolOf(b) && addressesMeet(a.hostIP, b.hostIP);
}

/** Whether two bound addresses (absent or unspecified: every address) can receive the same packet. */
function addressesMeet(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || everyAddress(a) || everyAddress(b) || sameAddress(a, b);
}

function everyAddress(a: string): boolean {
  const v = a === "" ? undefined : ipValue(a);
  return v === undefined || v.n === 0n;
}

function sameMapping(a: PortMapping, b: PortMapping): boolean {
  return (
    a.hostPort === b.hostPort &&
    a.containerPort === b.containerPort &&
    protocolOf(a) === protocolOf(b) &&
    (a.hostIP ?? "") === (b.hostIP ?? "")
  );
}
