// The daemon config's one definition: every key, its type, bounds and default, as a valibot
// schema; DaemonConfig is derived from it, so the type and the checks cannot disagree.
// (valibot over zod: the same declarative checks and inferred types, in a few KB of the daemon
// bundle instead of tens, which matters for a daemon measured by its start-up and RSS.)
// docs/config.md documents each key; test/meta/config-docs.test.ts walks this schema to check it.
import { isIP } from "node:net";
import * as v from "valibot";
import { DEFAULT_EVENT_BUS_OPTIONS } from "../events/event-bus.js";
import { DEFAULT_INPUT_LIMITS, MIN_CNI_ARGS_BYTES } from "../limits/input-limits.js";
import { CONF_DIR_FALLBACKS } from "../resolve/index.js";
import { DEFAULT_SOCKET_PATH, MIN_CALL_TIMEOUT_MS, MIN_MAX_MESSAGE_BYTES } from "../wire/index.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DEFAULT_CALL_TIMEOUT_MS = 120_000;

/**
 * How much longer than callTimeoutMs reconcile.gracePeriodMs must be while the runtime's sandbox
 * list or the pod informer judges (validate-config.ts). An ADD's record may be callTimeoutMs old when
 * the ADD answers (its last delegate done early, then routes and a slow status PATCH); after the
 * answer the runtime still has work before it lists the sandbox (containerd relays the shim's result
 * and starts the pause container: seconds on a loaded node). Ten seconds covers that; with no margin,
 * a pass in that gap would detach the networks of a pod the runtime is about to report ready.
 */
export const GRACE_MARGIN_MS = 10_000;

const nonEmpty = (what: string) => v.pipe(v.string(what), v.nonEmpty(what));
const str = nonEmpty("expected a non-empty string");
const absPath = v.pipe(nonEmpty("expected an absolute path"), v.startsWith("/", "expected an absolute path"));
const bool = v.boolean("expected true or false");
const strList = v.array(nonEmpty("expected a list of non-empty strings"), "expected a list of non-empty strings");
const pathList = v.array(absPath, "expected a list of absolute paths");
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, `expected one of ${values.join(", ")}`);
const int = (min: number, max: number) => {
  const what = `expected an integer from ${min} to ${max}`;
  return v.pipe(v.number(what), v.integer(what), v.minValue(min, what), v.maxValue(max, what));
};
const pathOrNone = v.pipe(
  v.string('expected an absolute path, or "" for none'),
  v.check((s) => s === "" || s.startsWith("/"), 'expected an absolute path, or "" for none'),
);
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/;
/** A TCP port; 0 asks the kernel for a free one. */
const MAX_PORT = 65_535;
const HOST_PORT_FORMAT = 'expected "host:port", e.g. "127.0.0.1:50051"';
/** [v6], a dotted quad, or a host name; 256.1.1.1 is a typo, not a name to look up. */
function isListenHost(host: string): boolean {
  if (host.startsWith("[")) return isIP(host.slice(1, -1)) === 6;
  if (/^[\d.]+$/.test(host)) return isIP(host) === 4;
  return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(host);
}
/**
 * Every listener key (tcpListen, metricsListen): a port beyond 65535 or a malformed host would
 * fail only at runtime, and metricsListen's failure is only a log line.
 */
const hostPort = v.pipe(
  v.string(HOST_PORT_FORMAT),
  v.check((s) => s === "" || HOST_PORT.test(s), HOST_PORT_FORMAT),
  v.check((s) => s === "" || Number(HOST_PORT.exec(s)?.[2]) <= MAX_PORT, `expected a port from 0 to ${MAX_PORT}`),
  v.check(
    (s) => s === "" || isListenHost(HOST_PORT.exec(s)?.[1] ?? ""),
    "expected an IPv4 address, [IPv6 address] or host name before the port",
  ),
);
/** sun_path holds 108 bytes with its NUL: a longer path is bound truncated, under another name. */
const MAX_SOCKET_PATH_BYTES = 107;
const socketPath = v.pipe(
  absPath,
  v.check(
    (s) => Buffer.byteLength(s) <= MAX_SOCKET_PATH_BYTES,
    `expected at most ${MAX_SOCKET_PATH_BYTES} bytes (the unix socket path limit)`,
  ),
);

/**
 * A section of keys; a required key (one without a default) that is missing is `missing`. Keys a
 * section does not know are taken out before (config-keys.ts: a warning each); strict all the same,
 * so one that slipped through is an issue naming the known ones rather than a key silently read.
 */
function section<E extends v.ObjectEntries>(entries: E, missing = "required") {
  const unknown = `unknown key (known: ${Object.keys(entries).join(", ")})`;
  return v.strictObject(entries, (issue) => (issue.expected === "never" ? unknown : missing));
}

export const KUBERNETES_SCHEMA = section({
  /** none = no cluster: networks from files, no pod lookups, no status writes. */
  mode: v.optional(oneOf(["none", "kubeconfig", "in-cluster"]), "none"),
  kubeconfigPath: v.optional(absPath),
  /** This node (env NODE_NAME); required unless mode is none. */
  nodeName: v.optional(str),
  /** Namespaces whose definitions are watched; empty = all. */
  namespaces: v.optional(strList, []),
  statusFailurePolicy: v.optional(oneOf(["fail", "ignore"]), "fail"),
  /** Write a Kubernetes Event on the pod for each ADD (the interfaces added) and each failure. */
  events: v.optional(bool, true),
});

/** The reconciler: periodic passes that detach attachments whose sandbox is gone (see docs/config.md). */
export const RECONCILE_SCHEMA = section({
  /** Run a pass every intervalMs, the first right after start-up. */
  enabled: v.optional(bool, true),
  intervalMs: v.optional(int(100, 86_400_000), 60_000),
  /**
   * Attachments written more recently than this are never judged (an ADD the runtime has not finished);
   * at least callTimeoutMs + GRACE_MARGIN_MS unless netns existence alone judges (validate-config.ts).
   */
  gracePeriodMs: v.optional(int(0, 86_400_000), DEFAULT_CALL_TIMEOUT_MS + GRACE_MARGIN_MS),
  /** How long one network's CNI GC may take: every ADD and DEL on the node waits while it runs. */
  gcTimeoutMs: v.optional(int(100, 3_600_000), 10_000),
  /** The container runtime's CRI socket (containerd, CRI-O): its sandbox list is the truth; "" = none, netns existence only. */
  runtimeSocket: v.optional(pathOrNone, "/run/containerd/containerd.sock"),
});

/** Mutual TLS of the TCP listener: a server certificate, and a CA that client certificates must chain to. */
export const TLS_SCHEMA = section(
  { certFile: absPath, keyFile: absPath, clientCaFile: absPath },
  "required when tls is set",
);

export const DAEMON_CONFIG_SCHEMA = section({
  socketPath: v.optional(socketPath, DEFAULT_SOCKET_PATH),
  /** host:port of an extra TCP listener (mutual TLS, `tls` required); absent or "" = off. */
  tcpListen: v.optional(hostPort),
  tls: v.optional(TLS_SCHEMA),
  /** host:port of the HTTP listener for /metrics, /healthz and /readyz; "" = none. */
  metricsListen: v.optional(hostPort, "127.0.0.1:9651"),
  /** Bounds of the event stream (WatchEvents): history kept, buffer per reader, readers at once. */
  events: v.optional(
    section({
      historySize: v.optional(int(0, 100_000), DEFAULT_EVENT_BUS_OPTIONS.historySize),
      bufferSize: v.optional(int(1, 1_000_000), DEFAULT_EVENT_BUS_OPTIONS.bufferSize),
      maxWatchers: v.optional(int(1, 1_000), DEFAULT_EVENT_BUS_OPTIONS.maxWatchers),
    }),
    {},
  ),
  limits: v.optional(
    section({
      maxAnnotationBytes: v.optional(int(1024, 16 * 1024 * 1024), DEFAULT_INPUT_LIMITS.maxAnnotationBytes),
      maxNetworksPerPod: v.optional(int(1, 4096), DEFAULT_INPUT_LIMITS.maxNetworksPerPod),
      maxJsonDepth: v.optional(int(4, 1024), DEFAULT_INPUT_LIMITS.maxJsonDepth),
      maxContainerIdLength: v.optional(int(16, 240), DEFAULT_INPUT_LIMITS.maxContainerIdLength),
      maxMessageBytes: v.optional(int(MIN_MAX_MESSAGE_BYTES, 64 * 1024 * 1024), DEFAULT_INPUT_LIMITS.maxMessageBytes),
      maxCniArgsBytes: v.optional(int(MIN_CNI_ARGS_BYTES, 120 * 1024), DEFAULT_INPUT_LIMITS.maxCniArgsBytes),
      maxDefinitionFileBytes: v.optional(int(4 * 1024, 64 * 1024 * 1024), DEFAULT_INPUT_LIMITS.maxDefinitionFileBytes),
      maxNetworkConfigBytes: v.optional(int(1024, 16 * 1024 * 1024), DEFAULT_INPUT_LIMITS.maxNetworkConfigBytes),
      maxPortMappings: v.optional(int(1, 4096), DEFAULT_INPUT_LIMITS.maxPortMappings),
    }),
    {},
  ),
  cniBinDirs: v.optional(pathList, ["/usr/lib/cni", "/opt/cni/bin"]),
  /** CNI conf dir: file networks and the fallback of definitions without spec.config. */
  cniConfDir: v.optional(absPath, "/etc/cni/net.d"),
  /** Which definitions without spec.config take their config from cniConfDir: all (multi-net spec, Multus), default-namespace, none. */
  confDirFallback: v.optional(oneOf(CONF_DIR_FALLBACKS), "all"),
  /** Directory of NetworkAttachmentDefinition manifests (YAML/JSON); absent = none. */
  definitionsDir: v.optional(absPath),
  /** Attachment plans/results and the delegate result cache live here. */
  stateDir: v.optional(absPath, "/var/lib/netattach"),
  /** Multus clusterNetwork: definition name, conf name, or conf/conflist path (required; "" only before validation). */
  clusterNetwork: v.optional(v.string("expected a non-empty string"), ""),
  defaultNetworks: v.optional(strList, []),
  systemNamespaces: v.optional(strList, ["kube-system"]),
  namespaceIsolation: v.optional(bool, false),
  globalNamespaces: v.optional(strList, ["default"]),
  /** Namespace for unqualified cluster/default network names (Multus multusNamespace). */
  defaultNamespace: v.optional(str, "kube-system"),
  /** Calls running delegates at once; more wait. */
  maxConcurrent: v.optional(int(1, 10_000), 16),
  /** Run a pod's secondary networks' delegates concurrently, after the cluster network's (bounded by maxConcurrent). */
  parallelSecondaries: v.optional(bool, true),
  /** Start plugins with netattach-spawner (vfork); false: by forking the daemon (through setpriv). */
  pluginSpawner: v.optional(bool, true),
  /** Deadline of one whole call (all delegates). */
  callTimeoutMs: v.optional(int(MIN_CALL_TIMEOUT_MS, 3_600_000), DEFAULT_CALL_TIMEOUT_MS),
  /** Deadline of one plugin invocation; the plugin is killed after it. */
  pluginTimeoutMs: v.optional(int(100, 3_600_000), 60_000),
  /** How long stop() lets calls in flight finish before cancelling them. */
  shutdownTimeoutMs: v.optional(int(0, 600_000), 10_000),
  /**
   * Then how long it waits for the calls it cancelled to finish their rollback (ADD, hot-plug) or
   * save what is left (DEL) before it exits; what is still running then is the next start's.
   */
  shutdownRollbackMs: v.optional(int(0, 600_000), 15_000),
  logLevel: v.optional(oneOf(LOG_LEVELS), "info"),
  kubernetes: v.optional(KUBERNETES_SCHEMA, {}),
  /**
   * Two networks of one pod that each install a default route for one IP family, with no
   * `default-route` selection to choose: reject the ADD (default), or warn and go on.
   */
  defaultRouteConflicts: v.optional(oneOf(["reject", "warn"]), "reject"),
  reconcile: v.optional(RECONCILE_SCHEMA, {}),
  /** Hot-plug driven by the pod's networks annotation (Kubernetes mode only; see docs/config.md). */
  hotplug: v.optional(
    section({
      /** Attach/detach what a running pod's changed networks annotation adds/drops. */
      annotations: v.optional(bool, false),
    }),
    {},
  ),
});

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type DaemonConfig = DeepReadonly<v.InferOutput<typeof DAEMON_CONFIG_SCHEMA>>;
export type KubernetesConfig = DaemonConfig["kubernetes"];
export type ReconcileConfig = DaemonConfig["reconcile"];
export type TlsConfig = NonNullable<DaemonConfig["tls"]>;
export type HotplugConfig = DaemonConfig["hotplug"];
