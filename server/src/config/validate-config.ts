// Checks a raw config object (file merged with flags) against the schema (config-schema.ts), then
// the rules that span keys. Collects every problem instead of stopping at the first, in the order
// the keys were written. A key the schema does not know is a warning, not a problem, unless it is a
// typo of a known key or a retired key (config-keys.ts).
import * as v from "valibot";
import { isJsonObject } from "../cni/index.js";
import { quoteInput } from "../errors/bounded-text.js";
import { withoutUnknownKeys, type ConfigWarning } from "./config-keys.js";
import { DAEMON_CONFIG_SCHEMA, GRACE_MARGIN_MS, type DaemonConfig } from "./config-schema.js";
import { DEFAULTS } from "./daemon-config.js";

type Issue = v.InferIssue<typeof DAEMON_CONFIG_SCHEMA>;

/**
 * Validated config (defaults filled in) or every issue found, and either way a warning for each key
 * it ignored. `partial`: the config file could not be read, so the rules between keys (and
 * "required") are skipped: the keys they need may be in it.
 */
export function validateConfig(
  input: unknown,
  opts: { partial?: boolean } = {},
): ({ config: DaemonConfig; issues: [] } | { config?: undefined; issues: string[] }) & {
  warnings: ConfigWarning[];
} {
  if (!isJsonObject(input))
    return { issues: [`the configuration must be an object, got ${quoteInput(input)}`], warnings: [] };
  const { known: raw, warnings, refusals } = withoutUnknownKeys(input);
  const parsed = v.safeParse(DAEMON_CONFIG_SCHEMA, raw, { abortPipeEarly: true });
  const located = [
    ...refusals.map((r) => ({ path: r.path, text: r.message })),
    ...(parsed.success ? [] : parsed.issues.map(locate)),
  ];
  const issues = inInputOrder(located, input).map((l) => l.text);
  const config = parsed.success ? (parsed.output as DaemonConfig) : undefined;
  if (opts.partial !== true) issues.push(...crossFieldIssues(raw));
  if (config === undefined || issues.length > 0) return { issues, warnings };
  if (config.tcpListen === "") delete (config as { tcpListen?: string }).tcpListen;
  return { config, issues: [], warnings };
}

/** Rules between keys, on the raw values (so they are reported next to type errors too). */
function crossFieldIssues(raw: Record<string, unknown>): string[] {
  const issues: string[] = [];
  const kube = isJsonObject(raw.kubernetes) ? raw.kubernetes : {};
  const mode = kube.mode;
  if (raw.clusterNetwork === undefined || raw.clusterNetwork === "")
    issues.push("clusterNetwork: required (a network name, or the path of a conf/conflist)");
  if ((mode === "kubeconfig" || mode === "in-cluster") && !kube.nodeName)
    issues.push(`kubernetes.nodeName: required when kubernetes.mode is ${mode} (set it or the NODE_NAME env)`);
  if (mode === "kubeconfig" && !kube.kubeconfigPath)
    issues.push("kubernetes.kubeconfigPath: required when kubernetes.mode is kubeconfig");
  if (isJsonObject(raw.hotplug) && raw.hotplug.annotations === true && (mode === undefined || mode === "none")) {
    issues.push(
      "hotplug.annotations: needs a cluster (kubernetes.mode kubeconfig or in-cluster): the annotation is read from the pod informer",
    );
  }
  if (typeof raw.tcpListen === "string" && raw.tcpListen !== "" && raw.tls === undefined) {
    issues.push(
      "tls: required when tcpListen is set: the TCP listener serves only clients with a certificate (mutual TLS: certFile, keyFile, clientCaFile; see docs/tls.md)",
    );
  }
  const { maxAnnotationBytes, maxMessageBytes } = {
    ...DEFAULTS.limits,
    ...(isJsonObject(raw.limits) ? raw.limits : {}),
  };
  if (
    typeof maxAnnotationBytes === "number" &&
    typeof maxMessageBytes === "number" &&
    maxAnnotationBytes >= maxMessageBytes
  ) {
    issues.push(
      `limits.maxAnnotationBytes (${maxAnnotationBytes}) must be smaller than limits.maxMessageBytes (${maxMessageBytes}), so an oversized annotation gets its own error`,
    );
  }
  const grace = gracePeriodIssue(raw, mode === "kubeconfig" || mode === "in-cluster");
  if (grace !== undefined) issues.push(grace);
  return issues;
}

/**
 * The floor of reconcile.gracePeriodMs (the one place it is enforced): callTimeoutMs + GRACE_MARGIN_MS.
 * An ADD may run for callTimeoutMs after it saved its record, and the runtime lists the sandbox only
 * once the ADD has answered and it has started the sandbox: a shorter grace lets a pass judge a new
 * pod by a list that lacks it yet, and detach every network of a pod the runtime then reports ready.
 * Judged by netns existence alone (no runtime socket, no cluster), a new pod's netns exists already,
 * so any grace is safe.
 */
function gracePeriodIssue(raw: Record<string, unknown>, cluster: boolean): string | undefined {
  const reconcile = { ...DEFAULTS.reconcile, ...(isJsonObject(raw.reconcile) ? raw.reconcile : {}) };
  const { gracePeriodMs: grace, runtimeSocket } = reconcile;
  const callTimeout = raw.callTimeoutMs ?? DEFAULTS.callTimeoutMs;
  if (typeof grace !== "number" || typeof callTimeout !== "number") return undefined;
  const floor = callTimeout + GRACE_MARGIN_MS;
  if (grace >= floor) return undefined;
  if (runtimeSocket === "" && !cluster) return undefined;
  const judge =
    runtimeSocket !== "" ? "the container runtime's sandbox list (reconcile.runtimeSocket)" : "the pod informer";
  return (
    `reconcile.gracePeriodMs (${grace}) must be at least callTimeoutMs (${callTimeout}) + ${GRACE_MARGIN_MS} = ${floor} ` +
    `while ${judge} judges sandboxes: an ADD may take callTimeoutMs and the runtime lists its sandbox only once the ADD ` +
    "has answered and the sandbox is started, so a shorter grace would detach a new pod's networks (see docs/config.md)"
  );
}

/** A problem and the path of the key it is about. */
interface Located {
  readonly path: readonly string[];
  readonly text: string;
}

/** "path: problem, got value"; a missing key has no value to show. */
function locate(issue: Issue): Located {
  const path = (issue.path ?? []).map((p) => String(p.key));
  const got = issue.input === undefined ? "" : `, got ${quoteInput(issue.input)}`;
  return { path, text: `${path.join(".")}: ${issue.message}${got}` };
}

/** Problems sorted by where their key stands in the input. */
function inInputOrder(issues: readonly Located[], raw: Record<string, unknown>): Located[] {
  const rank = (issue: Located): number[] => {
    const out: number[] = [];
    let level: unknown = raw;
    for (const step of issue.path) {
      const keys = isJsonObject(level) ? Object.keys(level) : [];
      const at = keys.indexOf(step);
      out.push(at < 0 ? keys.length : at);
      level = isJsonObject(level) ? level[step] : undefined;
    }
    return out;
  };
  const ranked = issues.map((issue, i) => ({ issue, key: rank(issue), i }));
  ranked.sort((a, b) => compareRanks(a.key, b.key) || a.i - b.i);
  return ranked.map((r) => r.issue);
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
