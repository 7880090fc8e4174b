// The daemon's settings: one typed object with defaults, plain data passed down from main.ts.

import { DEFAULT_EVENT_BUS_OPTIONS, type EventBusOptions } from "../events/event-bus.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface KubernetesConfig {
  /** none = no cluster: networks from files, no pod lookups, no status writes. */
  readonly mode: "none" | "kubeconfig" | "in-cluster";
  readonly kubeconfigPath?: string;
  /** This node (env NODE_NAME); required unless mode is none. */
  readonly nodeName?: string;
  /** Namespaces whose definitions are watched; empty = all. */
  readonly namespaces: readonly string[];
  readonly statusFailurePolicy: "fail" | "ignore";
  /** Write a Kubernetes Event on the pod for each ADD (the interfaces added) and each failure; default true. */
  readonly events?: boolean;
}

/** The reconciler: periodic passes that detach attachments whose sandbox is gone (see docs/config.md). */
export interface ReconcileConfig {
  /** Run a pass every intervalMs, the first right after start-up. */
  readonly enabled: boolean;
  readonly intervalMs: number;
  /** Attachments written more recently than this are never judged (an ADD the runtime has not finished). */
  readonly gracePeriodMs: number;
  /** The container runtime's CRI socket (containerd, CRI-O): its sandbox list is the truth; "" = none, netns existence only. */
  readonly runtimeSocket: string;
}

/** Mutual TLS of the TCP listener: a server certificate, and a CA that client certificates must chain to. */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string;
}

export interface DaemonConfig {
  readonly socketPath: string;
  /** host:port of an extra TCP listener (mutual TLS, `tls` required); absent = off. */
  readonly tcpListen?: string;
  readonly tls?: TlsConfig;
  /** host:port of the HTTP listener for /metrics, /healthz and /readyz; "" = none. */
  readonly metricsListen: string;
  /** Bounds of the event stream (WatchEvents): history kept, buffer per reader, readers at once. */
  readonly events: EventBusOptions;
  readonly limits: InputLimits;
  readonly cniBinDirs: readonly string[];
  /** CNI conf dir: file networks and the fallback of definitions without spec.config. */
  readonly cniConfDir: string;
  /** Directory of NetworkAttachmentDefinition manifests (YAML/JSON); absent = none. */
  readonly definitionsDir?: string;
  /** Attachment plans/results and the delegate result cache live here. */
  readonly stateDir: string;
  /** Multus clusterNetwork: definition name, conf name, or conf/conflist path. */
  readonly clusterNetwork: string;
  readonly defaultNetworks: readonly string[];
  readonly systemNamespaces: readonly string[];
  readonly namespaceIsolation: boolean;
  readonly globalNamespaces: readonly string[];
  /** Namespace for unqualified cluster/default network names (Multus multusNamespace). */
  readonly defaultNamespace: string;
  /** Calls running delegates at once; more wait. */
  readonly maxConcurrent: number;
  /** Run a pod's secondary networks' delegates concurrently, after the cluster network's (bounded by maxConcurrent). */
  readonly parallelSecondaries: boolean;
  /** Deadline of one whole call (all delegates). */
  readonly callTimeoutMs: number;
  /** Deadline of one plugin invocation; the plugin is killed after it. */
  readonly pluginTimeoutMs: number;
  /** How long stop() lets calls in flight finish before cancelling them. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly kubernetes: KubernetesConfig;
  /**
   * Two networks of one pod that each install a default route for one IP family, with no
   * `default-route` selection to choose: reject the ADD (default), or warn and go on.
   */
  readonly defaultRouteConflicts: "reject" | "warn";
  readonly reconcile: ReconcileConfig;
}

export const DEFAULTS: DaemonConfig = {
  socketPath: "/run/netattach/netattach.sock",
  metricsListen: "127.0.0.1:9651",
  events: DEFAULT_EVENT_BUS_OPTIONS,
  cniBinDirs: ["/usr/lib/cni", "/opt/cni/bin"],
  cniConfDir: "/etc/cni/net.d",
  stateDir: "/var/lib/netattach",
  clusterNetwork: "",
  defaultNetworks: [],
  systemNamespaces: ["kube-system"],
  namespaceIsolation: false,
  globalNamespaces: ["default"],
  defaultNamespace: "kube-system",
  maxConcurrent: 16,
  parallelSecondaries: true,
  callTimeoutMs: 120_000,
  pluginTimeoutMs: 60_000,
  shutdownTimeoutMs: 10_000,
  logLevel: "info",
  limits: DEFAULT_INPUT_LIMITS,

  kubernetes: { mode: "none", namespaces: [], statusFailurePolicy: "fail", events: true },
  defaultRouteConflicts: "reject",
  reconcile: { enabled: true, intervalMs: 60_000, gracePeriodMs: 120_000, runtimeSocket: "/run/containerd/containerd.sock" },
};

export interface StateLayout {
  /** The runtime's delegate result cache. */
  readonly cacheDir: string;
  /** Saved attachments: <attachmentsDir>/<containerId>.json. */
  readonly attachmentsDir: string;
  /** Delegates DEL could not release, kept for the reconciler: <orphansDir>/<containerId>.json. */
  readonly orphansDir: string;
  /** Where releases before 0.2 saved attachments (<stateDir>/attachments/attachments); migrated at start-up. */
  readonly legacyAttachmentsDir: string;
}

/** Where the runtime's result cache and the attachment stores live inside stateDir (the one source of these paths). */
export function stateLayout(config: Pick<DaemonConfig, "stateDir">): StateLayout {
  const attachmentsDir = `${config.stateDir}/attachments`;
  return { cacheDir: `${config.stateDir}/cache`, attachmentsDir, orphansDir: `${config.stateDir}/orphans`, legacyAttachmentsDir: `${attachmentsDir}/attachments` };
}
