// Checks a raw config object (file merged with flags) against the DaemonConfig shape.
// Collects every problem instead of stopping at the first.
import { DEFAULTS, LOG_LEVELS, type DaemonConfig } from "./daemon-config.js";

type Check = (value: unknown) => string | undefined;
type Schema = { readonly [key: string]: Check | Schema };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const str: Check = (v) => (typeof v === "string" && v !== "" ? undefined : "expected a non-empty string");
const optStr: Check = (v) => (typeof v === "string" ? undefined : "expected a string");
const absPath: Check = (v) => str(v) ?? ((v as string).startsWith("/") ? undefined : "expected an absolute path");
const bool: Check = (v) => (typeof v === "boolean" ? undefined : "expected true or false");
const strList: Check = (v) => (Array.isArray(v) && v.every((s) => typeof s === "string" && s !== "") ? undefined : "expected a list of non-empty strings");
const pathList: Check = (v) => strList(v) ?? ((v as string[]).every((s) => s.startsWith("/")) ? undefined : "expected a list of absolute paths");
const oneOf = (values: readonly string[]): Check => (v) => (typeof v === "string" && values.includes(v) ? undefined : `expected one of ${values.join(", ")}`);
const int = (min: number, max: number): Check => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? undefined : `expected an integer from ${min} to ${max}`;
const pathOrNone: Check = (v) => optStr(v) ?? (v === "" || (v as string).startsWith("/") ? undefined : 'expected an absolute path, or "" for none');
const hostPort: Check = (v) =>
  optStr(v) ?? (v === "" || /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(v as string) ? undefined : 'expected "host:port", e.g. "127.0.0.1:50051"');

const SCHEMA: Schema = {
  socketPath: absPath,
  tcpListen: hostPort,
  metricsListen: hostPort,
  events: { historySize: int(0, 100_000), bufferSize: int(1, 1_000_000), maxWatchers: int(1, 1_000) },
  cniBinDirs: pathList,
  cniConfDir: absPath,
  definitionsDir: absPath,
  stateDir: absPath,
  clusterNetwork: str,
  defaultNetworks: strList,
  systemNamespaces: strList,
  namespaceIsolation: bool,
  globalNamespaces: strList,
  defaultNamespace: str,
  maxConcurrent: int(1, 10_000),
  parallelSecondaries: bool,
  callTimeoutMs: int(100, 3_600_000),
  pluginTimeoutMs: int(100, 3_600_000),
  shutdownTimeoutMs: int(0, 600_000),
  logLevel: oneOf(LOG_LEVELS),
  tls: { certFile: absPath, keyFile: absPath, clientCaFile: absPath },
  limits: {
    maxAnnotationBytes: int(1024, 16 * 1024 * 1024),
    maxNetworksPerPod: int(1, 4096),
    maxJsonDepth: int(4, 1024),
    maxContainerIdLength: int(16, 240),
    maxMessageBytes: int(64 * 1024, 64 * 1024 * 1024),
  },
  kubernetes: {
    mode: oneOf(["none", "kubeconfig", "in-cluster"]),
    kubeconfigPath: absPath,
    nodeName: str,
    namespaces: strList,
    statusFailurePolicy: oneOf(["fail", "ignore"]),
    events: bool,
  },
  defaultRouteConflicts: oneOf(["reject", "warn"]),
  reconcile: {
    enabled: bool,
    intervalMs: int(100, 86_400_000),
    gracePeriodMs: int(0, 86_400_000),
    runtimeSocket: pathOrNone,
  },
};

function walk(raw: Record<string, unknown>, schema: Schema, prefix: string, issues: string[]): void {
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix + key;
    const rule = schema[key];
    if (rule === undefined) {
      issues.push(`${path}: unknown key (known: ${Object.keys(schema).join(", ")})`);
    } else if (typeof rule === "function") {
      const problem = rule(value);
      if (problem) issues.push(`${path}: ${problem}, got ${JSON.stringify(value)}`);
    } else if (!isObj(value)) {
      issues.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
    } else {
      walk(value, rule, `${path}.`, issues);
    }
  }
}

/** Validated config (defaults filled in) or every issue found. */
export function validateConfig(raw: unknown): { config: DaemonConfig; issues: [] } | { config?: undefined; issues: string[] } {
  if (!isObj(raw)) return { issues: [`the configuration must be an object, got ${JSON.stringify(raw)}`] };
  const issues: string[] = [];
  walk(raw, SCHEMA, "", issues);
  const kube = { ...DEFAULTS.kubernetes, ...(isObj(raw.kubernetes) ? raw.kubernetes : {}) };
  const limits = { ...DEFAULTS.limits, ...(isObj(raw.limits) ? raw.limits : {}) };
  const events = { ...DEFAULTS.events, ...(isObj(raw.events) ? raw.events : {}) };
  const reconcile = { ...DEFAULTS.reconcile, ...(isObj(raw.reconcile) ? raw.reconcile : {}) };
  const config = { ...DEFAULTS, ...raw, kubernetes: kube, limits, events, reconcile } as DaemonConfig;
  // Cross-field rules (harmless to run after type errors: they only look at valid-looking values).
  if (config.clusterNetwork === "") issues.push("clusterNetwork: required (a network name, or the path of a conf/conflist)");
  if ((kube.mode === "kubeconfig" || kube.mode === "in-cluster") && !kube.nodeName) issues.push(`kubernetes.nodeName: required when kubernetes.mode is ${kube.mode} (set it or the NODE_NAME env)`);
  if (kube.mode === "kubeconfig" && !kube.kubeconfigPath) issues.push("kubernetes.kubeconfigPath: required when kubernetes.mode is kubeconfig");
  if (config.tcpListen && !config.tls) {
    issues.push("tls: required when tcpListen is set: the TCP listener serves only clients with a certificate (mutual TLS: certFile, keyFile, clientCaFile; see docs/tls.md)");
  }
  if (isObj(raw.tls)) {
    for (const key of ["certFile", "keyFile", "clientCaFile"]) if (!(key in raw.tls)) issues.push(`tls.${key}: required when tls is set`);
  }
  if (limits.maxAnnotationBytes >= limits.maxMessageBytes) {
    issues.push(`limits.maxAnnotationBytes (${limits.maxAnnotationBytes}) must be smaller than limits.maxMessageBytes (${limits.maxMessageBytes}), so an oversized annotation gets its own error`);
  }
  if (issues.length > 0) return { issues };
  if (config.tcpListen === "") delete (config as { tcpListen?: string }).tcpListen;
  return { config, issues: [] };
}
