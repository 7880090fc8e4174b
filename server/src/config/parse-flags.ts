// Command-line flags of netattachd → config overrides (validated later with the file).
import { isJsonObject } from "../cni/index.js";
import { parseArgs } from "node:util";

interface FlagSpec {
  /** Dotted config key the flag sets. */
  readonly key: string;
  readonly type: "string" | "boolean" | "int" | "list";
  readonly help: string;
}

export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  socket: { key: "socketPath", type: "string", help: "unix socket to serve on" },
  "tcp-listen": { key: "tcpListen", type: "string", help: "also listen on host:port, mutual TLS (off by default)" },
  "metrics-listen": {
    key: "metricsListen",
    type: "string",
    help: 'HTTP /metrics, /healthz, /readyz on host:port ("" = off)',
  },
  "tls-cert": { key: "tls.certFile", type: "string", help: "TCP listener's certificate (PEM)" },
  "tls-key": { key: "tls.keyFile", type: "string", help: "TCP listener's private key (PEM)" },
  "tls-client-ca": { key: "tls.clientCaFile", type: "string", help: "CA that client certificates must chain to (PEM)" },
  "cni-bin-dir": { key: "cniBinDirs", type: "list", help: "CNI plugin dir (repeatable)" },
  "cni-conf-dir": { key: "cniConfDir", type: "string", help: "CNI conf dir" },
  "definitions-dir": { key: "definitionsDir", type: "string", help: "NetworkAttachmentDefinition manifests dir" },
  "state-dir": { key: "stateDir", type: "string", help: "attachment state and result cache dir" },
  "cluster-network": { key: "clusterNetwork", type: "string", help: "the pods' default network" },
  "default-network": { key: "defaultNetworks", type: "list", help: "network added to every pod (repeatable)" },
  "namespace-isolation": {
    key: "namespaceIsolation",
    type: "boolean",
    help: "pods use only networks of their namespace",
  },
  "global-namespace": { key: "globalNamespaces", type: "list", help: "namespace exempt from isolation (repeatable)" },
  "default-namespace": {
    key: "defaultNamespace",
    type: "string",
    help: "namespace of unqualified cluster/default network names",
  },
  "max-concurrent": { key: "maxConcurrent", type: "int", help: "calls running delegates at once" },
  "call-timeout-ms": { key: "callTimeoutMs", type: "int", help: "deadline of one call" },
  "plugin-timeout-ms": { key: "pluginTimeoutMs", type: "int", help: "deadline of one plugin run" },
  "log-level": { key: "logLevel", type: "string", help: "fatal|error|warn|info|debug|trace|silent" },
  "kube-mode": { key: "kubernetes.mode", type: "string", help: "none|kubeconfig|in-cluster" },
  kubeconfig: { key: "kubernetes.kubeconfigPath", type: "string", help: "kubeconfig file (kube-mode kubeconfig)" },
  "node-name": { key: "kubernetes.nodeName", type: "string", help: "this node's name (default: env NODE_NAME)" },
};

const BOOLEAN_VALUES: Readonly<Record<string, boolean | undefined>> = { true: true, false: false };

export interface ParsedFlags {
  readonly configPath?: string;
  readonly help: boolean;
  /** Raw overrides, same shape as the config file. */
  readonly overrides: Record<string, unknown>;
  readonly issues: readonly string[];
}

export function parseFlags(argv: readonly string[]): ParsedFlags {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [
      name,
      { type: f.type === "boolean" ? ("boolean" as const) : ("string" as const), multiple: f.type === "list" },
    ]),
  );
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: { ...options, config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const issues: string[] = positionals.map((p) => `unexpected argument "${p}"`);
  const overrides: Record<string, unknown> = {};
  for (const token of tokens) {
    if (token.kind !== "option" || token.name === "config" || token.name === "help") continue;
    const spec = FLAGS[token.name];
    if (!spec) issues.push(`unknown flag ${token.rawName}`);
    else if (spec.type !== "boolean" && token.value === undefined) issues.push(`flag ${token.rawName} needs a value`);
    else if (spec.type === "boolean" && token.value !== undefined && BOOLEAN_VALUES[token.value] === undefined)
      issues.push(`flag ${token.rawName} takes no value, or =true or =false, got "${token.value}"`);
  }
  for (const [name, spec] of Object.entries(FLAGS)) {
    const raw = values[name];
    if (raw === undefined || (spec.type !== "boolean" && typeof raw === "boolean")) continue;
    // --flag=true / --flag=false: the only way to set false from the command line.
    const value = spec.type === "boolean" && typeof raw === "string" ? BOOLEAN_VALUES[raw] : raw;
    if (value === undefined) continue; // reported above
    setPath(overrides, spec.key, spec.type === "int" ? toInt(value as string) : value);
  }
  const config = typeof values.config === "string" ? values.config : undefined;
  return { ...(config !== undefined ? { configPath: config } : {}), help: values.help === true, overrides, issues };
}

/** A number when the text is one, else the text (so validation reports it with the key). */
function toInt(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cur = target;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    cur = isJsonObject(next) ? (next as Record<string, unknown>) : (cur[key] = {});
  }
  cur[keys[keys.length - 1]!] = value;
}

export function flagsHelp(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, f]) => `  --${name}${f.type === "boolean" ? "[=false]" : " VALUE"}`.padEnd(32) + f.help,
  );
  return [
    "usage: netattachd [--config FILE] [flags]",
    "  -c, --config FILE".padEnd(32) + "JSON or YAML config file",
    ...lines,
  ].join("\n");
}
