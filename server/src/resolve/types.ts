// Shapes of network selection. Pure data; no I/O here.
import type { JsonObject } from "../cni/index.js";
import type { InputLimits } from "../limits/input-limits.js";

export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol?: string;
  readonly hostIP?: string;
}

export interface Bandwidth {
  readonly ingressRate?: number;
  readonly ingressBurst?: number;
  readonly egressRate?: number;
  readonly egressBurst?: number;
}

/** One element of `k8s.v1.cni.cncf.io/networks` (either form), normalised. */
export interface NetworkSelection {
  readonly name: string;
  /** Absent = the pod's namespace (or the daemon's default for cluster/default networks). */
  readonly namespace?: string;
  readonly interface?: string;
  readonly ips?: readonly string[];
  readonly mac?: string;
  /** Gateways that should carry the default route; [] = remove default routes. */
  readonly defaultRoute?: readonly string[];
  readonly portMappings?: readonly PortMapping[];
  readonly bandwidth?: Bandwidth;
  readonly cniArgs?: JsonObject;
  readonly infinibandGuid?: string;
  readonly deviceId?: string;
  readonly ipamClaimReference?: string;
}

/** Where a network's CNI config came from (shown by ResolveNetworks). */
export type ConfigOrigin =
  | { readonly kind: "conf-file"; readonly path: string }
  | {
      readonly kind: "network-attachment-definition";
      readonly namespace: string;
      readonly name: string;
      /** Manifest file for the files source; absent for the Kubernetes source. */
      readonly manifestPath?: string;
      /** spec.config, or the conf dir file it fell back to. */
      readonly configFrom: "spec.config" | "conf-file";
      readonly confPath?: string;
    }
  | { readonly kind: "inline"; readonly description: string };

/** A network a source knows: raw CNI config (conf or conflist) plus its origin. */
export interface NetworkDefinition {
  readonly namespace?: string;
  readonly name: string;
  readonly config: JsonObject;
  readonly origin: ConfigOrigin;
  /** k8s.v1.cni.cncf.io/resourceName annotation of a definition, if any. */
  readonly resourceName?: string;
}

export interface NetworkRef {
  readonly namespace: string;
  readonly name: string;
}

export type NetworkLookup =
  { readonly found: NetworkDefinition } | { readonly found?: undefined; readonly tried: readonly string[] };

/**
 * A place networks come from: a conf dir, a NetworkAttachmentDefinition manifest dir,
 * the Kubernetes informer cache, or memory (tests). Lookups never throw for "not found":
 * they say every place they looked so the error can list it.
 */
export interface NetworkSource {
  readonly description: string;
  lookup(ref: NetworkRef, opts?: { signal?: AbortSignal }): Promise<NetworkLookup>;
  /** Whether the source has loaded/synced (readiness). */
  ready(): boolean;
}

/** What the daemon knows of a pod (from the request, the pod informer, or a live GET). */
export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Static pods (kubernetes.io/config.source != api) may have another UID. */
  readonly isStatic?: boolean;
}

export type PodLookup =
  { readonly found: PodInfo } | { readonly found?: undefined; readonly reason: "not-found" | "no-cluster" };

/** Pod metadata provider. The no-cluster implementation answers "no-cluster". */
export interface PodSource {
  /** `uid` (the runtime's K8S_POD_UID) lets a cache that lags a pod recreate re-read the pod live. */
  getPod(namespace: string, name: string, opts?: { signal?: AbortSignal; uid?: string }): Promise<PodLookup>;
  ready(): boolean;
}

/** A network the pod gets, in attach order (cluster network first). */
export interface ResolvedNetwork {
  /** cluster = the pod's default network (eth0); default = daemon defaultNetworks; selected = from the annotation/request. */
  readonly role: "cluster" | "default" | "selected";
  /** Display/status name: `namespace/name` for definitions, the config name for conf files. */
  readonly network: string;
  /** The selection with namespace filled in (cluster/default networks get a synthetic one). */
  readonly selection: NetworkSelection;
  readonly definition: NetworkDefinition;
}

export interface PodNetworkQuery {
  readonly namespace: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Explicit selections replace the networks annotation when given. */
  readonly selections?: readonly NetworkSelection[];
}

/** Decides which networks a pod gets. Throws DaemonError (INVALID_ANNOTATION, NETWORK_NOT_FOUND, NAMESPACE_NOT_ALLOWED, ...). */
export interface NetworkResolver {
  resolve(query: PodNetworkQuery, opts?: { signal?: AbortSignal }): Promise<ResolvedNetwork[]>;
  /**
   * The cluster network the daemon config names, with no pod involved (CNI STATUS of the node); with
   * `pod`, the one an ADD of that pod gets (its default-network annotation, else the config's).
   */
  resolveClusterNetwork(opts?: {
    signal?: AbortSignal;
    pod?: Pick<PodNetworkQuery, "namespace" | "annotations">;
  }): Promise<ResolvedNetwork>;
  /** One network added to a running pod (hot-plug): checked and looked up alone, errors naming `place`. */
  resolveSelection(query: SelectionQuery, opts?: { signal?: AbortSignal }): Promise<ResolvedNetwork>;
}

export interface SelectionQuery {
  /** The pod's namespace. */
  readonly namespace: string;
  readonly selection: NetworkSelection;
  /** Where the selection was written: the annotation (or request field) and its 1-based position there. */
  readonly place: { readonly source: string; readonly index: number };
}

/** Daemon settings that steer selection (Multus names in comments). */
export interface SelectionConfig {
  /** clusterNetwork: definition name, conf name, or path of a conf/conflist file or directory. */
  readonly clusterNetwork: string;
  /** defaultNetworks: attached to every pod outside systemNamespaces, after the cluster network. */
  readonly defaultNetworks: readonly string[];
  readonly systemNamespaces: readonly string[];
  readonly namespaceIsolation: boolean;
  readonly globalNamespaces: readonly string[];
  /** multusNamespace: where unqualified cluster/default/default-network names are looked up. */
  readonly defaultNamespace: string;
  /** Bounds on annotations and selections; the defaults when absent. */
  readonly limits?: Pick<InputLimits, "maxAnnotationBytes" | "maxJsonDepth" | "maxNetworksPerPod"> &
    Partial<Pick<InputLimits, "maxDefinitionFileBytes">>;
}
