// The attachment service's contract in domain terms: requests, results and the service the
// gRPC adapter translates (the saved plan: attachment-plan.ts; ports: ports.ts).
import type { Logger } from "pino";
import type { CniResult, JsonObject } from "../cni/index.js";
import type { Bandwidth, NetworkSelection, PortMapping } from "../resolve/index.js";
import type { AttachmentPlan, PodRef } from "./attachment-plan.js";
import type { AttachmentPhase, HistoryEntry } from "./attachment-store.js";
import type { DnsConfig, NetworkStatusEntry } from "./network-status-entry.js";

/** Capability args the container runtime supplies; only the cluster network receives them. */
export interface RuntimeCapabilities {
  readonly portMappings?: readonly PortMapping[];
  readonly bandwidth?: Bandwidth;
  readonly dns?: {
    readonly servers?: readonly string[];
    readonly searches?: readonly string[];
    readonly options?: readonly string[];
  };
  readonly ips?: readonly string[];
  readonly mac?: string;
  readonly cgroupPath?: string;
  /** Anything else, passed as is (keys matched case-insensitively against capabilities). */
  readonly extra?: JsonObject;
}

export interface AttachRequest {
  readonly containerId: string;
  readonly netns: string;
  readonly pod: PodRef;
  /** Pod annotations when the runtime passed them; else the pod source is asked. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Explicit selections (runtimes that choose networks themselves); replaces the annotation. */
  readonly selections?: readonly NetworkSelection[];
  /** Interface for the cluster network, normally eth0. */
  readonly primaryIfName: string;
  readonly runtimeConfig?: RuntimeCapabilities;
  /** Extra CNI_ARGS from the runtime (K8S_POD_* are added by the daemon). */
  readonly cniArgs?: ReadonlyArray<readonly [string, string]>;
  /** Version the caller wants the primary result in. */
  readonly cniVersion?: string;
}

/**
 * ResolveNetworks: what an ADD would do, executing nothing but VERSION. A sandbox identity is
 * optional (the plan then carries none); when given it is checked as an ADD's would be.
 */
export type ResolveRequest = Omit<AttachRequest, "containerId" | "netns"> & {
  readonly containerId?: string;
  readonly netns?: string;
};

export interface AttachedIp {
  /** CIDR, e.g. 10.1.2.3/24 */
  readonly address: string;
  readonly gateway?: string;
}

export interface AttachedInterface {
  readonly network: string;
  readonly ifName: string;
  readonly ips: readonly AttachedIp[];
  readonly mac?: string;
  readonly mtu?: number;
  readonly isDefault: boolean;
  readonly dns?: DnsConfig;
  /** Default-route gateways of this interface. */
  readonly gateways: readonly string[];
  readonly deviceInfo?: JsonObject;
  /** The delegate's CNI result, in the delegate config's version. */
  readonly result: CniResult;
}

export interface AttachResult {
  readonly interfaces: readonly AttachedInterface[];
  /** Cluster network result, converted to the requested version. */
  readonly primaryResult: CniResult;
  readonly networkStatus: readonly NetworkStatusEntry[];
}

export interface DetachRequest {
  readonly containerId: string;
  /** May be empty when the netns is gone. */
  readonly netns?: string;
  readonly pod?: PodRef;
  /**
   * The rest is read only when nothing is saved for the container (detach-unrecorded.ts): what its
   * ADD was given, so the cluster network's DEL gets it as an ADD would. The interface: default eth0.
   */
  readonly primaryIfName?: string;
  readonly runtimeConfig?: RuntimeCapabilities;
  /** The runtimeConfig the caller sent but that could not be read: only a DEL with nothing saved needs it. */
  readonly runtimeConfigError?: Error;
  readonly cniArgs?: ReadonlyArray<readonly [string, string]>;
}

export interface CheckRequest {
  readonly containerId: string;
  /** The runtime's CNI_NETNS; absent = the saved netns; another namespace is refused (INVALID_NETNS). */
  readonly netns?: string;
  /** The runtime's CNI_IFNAME; absent = the saved primary interface; another is ATTACHMENT_NOT_FOUND. */
  readonly primaryIfName?: string;
}

export interface CallContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The daemon's readiness, given by the RPC layer (ready-gate.ts); absent = ready (direct callers, tests). */
  readonly readiness?: ReadinessView;
}

/** The daemon's readiness as ADD admission reads it (health/readiness.ts keeps it). */
export interface ReadinessView {
  /** Readiness was reached once since start (cheap; the poller keeps it through later losses). */
  readonly reached: () => boolean;
  /** A readiness check now, shared by callers arriving meanwhile (the poller backs off while not ready). */
  readonly checkNow: () => Promise<{ readonly ready: boolean; readonly reasons: readonly string[] }>;
  /** True from the start of shutdown. */
  readonly stopping: () => boolean;
}

export interface DetachResult {
  /** Delegates that are gone (network/ifName): deleted by their plugin, or cleaned up by netattach. */
  readonly removed: ReadonlyArray<{ readonly network: string; readonly ifName: string }>;
  /** Delegates left to the reconciler, with what could not be released. */
  readonly orphaned: ReadonlyArray<{ readonly network: string; readonly ifName: string; readonly cause: string }>;
  /**
   * Deleted with the netns gone while their conf sets `ipMasq`: bridge and ptp read the addresses to
   * unmasquerade from the pod's interface, so their DEL leaves the host's masquerade rules (docs/troubleshooting.md).
   */
  readonly masqueradeLeft?: ReadonlyArray<{ readonly network: string; readonly ifName: string }>;
}

export interface GcRequest {
  /**
   * Attachments (container ids) still valid, as the runtime's CNI GC says: every other saved one is
   * removed. Absent: a reconcile pass decides, from the container runtime's sandboxes, netns
   * existence and the pod informer (SandboxTruth), sparing attachments younger than the grace period.
   */
  readonly validContainerIds?: readonly string[];
  /** Report what would be removed; change nothing. */
  readonly dryRun?: boolean;
  /** The periodic pass: never wait behind ADD/DEL calls (CNI GC is skipped while any runs). */
  readonly background?: boolean;
}

/** Why a pass removes (or would remove) something. */
export type GcReason =
  /** The container runtime no longer lists the sandbox. */
  | "sandbox-gone"
  /** The saved netns no longer exists, or is another namespace now. */
  | "netns-gone"
  /** The pod is gone from the API server, or was recreated with another UID. */
  | "pod-gone"
  /** Not in the caller's valid attachments. */
  | "not-valid"
  /** Delegates a DEL could not release, retried. */
  | "orphaned"
  /** A cached delegate result whose attachment is not saved (GC DELs it). */
  | "stale-cache";

export interface GcItem {
  readonly containerId: string;
  /** Absent for stale cache entries (the cache does not know the pod). */
  readonly pod?: PodRef;
  readonly netns: string;
  readonly reason: GcReason;
  /** removed: done (orphans: released); would-remove: dry run; orphaned: still orphaned; failed: see message; skipped-in-flight: an ADD/DEL held it. */
  readonly outcome: "removed" | "would-remove" | "orphaned" | "failed" | "skipped-in-flight";
  readonly interfaces: ReadonlyArray<{
    readonly network: string;
    readonly ifName: string;
    readonly ips: readonly string[];
  }>;
  readonly message?: string;
}

export interface GcResult {
  /** Saved attachments this pass detached. */
  readonly removedContainerIds: readonly string[];
  readonly errors: readonly string[];
  readonly dryRun: boolean;
  /** What decided which sandboxes exist ("CRI ListPodSandbox at …", "netns existence", "the caller's valid attachments"). */
  readonly sources: readonly string[];
  /** Sources that could not be used this pass, and steps skipped, with why. */
  readonly notes: readonly string[];
  readonly items: readonly GcItem[];
}

export interface ServiceStatus {
  readonly ready: boolean;
  /** Why not ready, when not. */
  readonly reasons: readonly string[];
  /** What the operator should fix that does not stop readiness: config keys ignored, a stateDir the container's own. */
  readonly warnings?: readonly string[];
  /** Cluster network name and the outcome of its CNI STATUS. */
  readonly clusterNetwork?: {
    readonly name: string;
    readonly ok: boolean;
    readonly cniCode?: number;
    readonly message?: string;
  };
}

export interface AttachmentSummary {
  readonly containerId: string;
  readonly netns: string;
  readonly pod: PodRef;
  readonly interfaces: ReadonlyArray<{
    readonly network: string;
    readonly ifName: string;
    readonly ips: readonly string[];
    readonly mac?: string;
    readonly isDefault: boolean;
    /** Default-route gateways this interface holds (from its result and the default-route selections). */
    readonly gateways: readonly string[];
  }>;
  readonly phase: AttachmentPhase;
  /** What could not be released, for detaching and orphaned attachments. */
  readonly cause?: string;
  readonly history: readonly HistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** ListAttachments: the records that read, and those that do not (reported, never skipped silently). */
export interface AttachmentListing {
  readonly attachments: readonly AttachmentSummary[];
  /** Saved records that cannot be read; they name no pod, so a pod filter leaves them out. */
  readonly unreadable: readonly UnreadableRecord[];
}

export interface UnreadableRecord {
  readonly containerId: string;
  readonly path: string;
  readonly problem: string;
  /** Set for a record a newer netattachd wrote: whole, kept until netattachd is rolled forward. */
  readonly tooNew?: { readonly recordVersion: number; readonly readerVersion: number };
}

/** A check the daemon config relaxes (e.g. defaultRouteConflicts: warn): what it would have refused. */
export interface PlanWarning {
  /** Catalog reason it would have been refused with. */
  readonly code: string;
  readonly message: string;
  readonly networks: readonly string[];
}

export interface ResolvedPlan {
  readonly plan: AttachmentPlan;
  readonly warnings: readonly PlanWarning[];
}

/** The whole domain API; the gRPC adapter is a thin translation of it. */
export interface AttachmentService {
  attach(req: AttachRequest, ctx: CallContext): Promise<AttachResult>;
  detach(req: DetachRequest, ctx: CallContext): Promise<DetachResult>;
  check(req: CheckRequest, ctx: CallContext): Promise<void>;
  gc(req: GcRequest, ctx: CallContext): Promise<GcResult>;
  status(ctx: CallContext): Promise<ServiceStatus>;
  list(
    filter: { podNamespace?: string; podName?: string; containerId?: string },
    ctx: CallContext,
  ): Promise<AttachmentListing>;
  resolve(req: ResolveRequest, ctx: CallContext): Promise<ResolvedPlan>;
  attachNetwork(req: AttachNetworkRequest, ctx: CallContext): Promise<AttachNetworkResult>;
  /** A pod's selections made true on one sandbox: the steps under one lock, one status write (annotation-driven hot-plug). */
  applyNetworkChanges(changes: NetworkChanges, ctx: CallContext): Promise<NetworkChangesOutcome>;
  detachNetwork(req: DetachNetworkRequest, ctx: CallContext): Promise<DetachNetworkResult>;
}

/** AttachNetwork: one more network on a sandbox that is already attached. */
export interface AttachNetworkRequest {
  readonly containerId: string;
  /** Same fields as one element of the networks annotation; namespace absent = the pod's. */
  readonly selection: NetworkSelection;
}

export interface AttachNetworkResult {
  /** The interface added. */
  readonly attached: AttachedInterface;
  /** The pod's whole network-status after the hot-plug. */
  readonly networkStatus: readonly NetworkStatusEntry[];
}

/** DetachNetwork: one network off a running sandbox, by interface or by network. */
export interface DetachNetworkRequest {
  readonly containerId: string;
  readonly ifName?: string;
  /** namespace/name of the network (its only attachment in the sandbox). */
  readonly network?: { readonly namespace: string; readonly name: string };
}

export interface DetachNetworkResult extends DetachResult {
  readonly networkStatus: readonly NetworkStatusEntry[];
}

/**
 * A running sandbox's selections as they now read (the annotation-driven hot-plug): matched against
 * what is attached under the container lock (selection-match.ts); what no element asks for any more
 * is detached, what is not attached yet is attached.
 */
export interface NetworkChanges {
  readonly containerId: string;
  readonly pod: PodRef;
  /** Every selection of the pod, in order (namespace filled in). */
  readonly selections: readonly NetworkSelection[];
  /** Where they were written (the networks annotation), so an error names the element's place. */
  readonly source: string;
}

export interface NetworkChangesOutcome {
  readonly attached: readonly AttachedInterface[];
  readonly removed: ReadonlyArray<{ readonly network: string; readonly ifName: string }>;
  /** One line per failed step, with its catalog reason; the next change retries it. */
  readonly failures: ReadonlyArray<{
    readonly step: string;
    readonly reason: string;
    readonly message: string;
  }>;
}
