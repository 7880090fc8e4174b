// The one place that builds the client: KubeConfig from a kubeconfig file or the in-cluster
// service account, the typed APIs, and per-call options (deadline + caller's signal,
// Content-Type, one keep-alive agent so a status PATCH does not pay a TLS handshake). Every
// request, generated call or watch, carries netattachd's User-Agent (client-identity.ts).
import { readFileSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import {
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
} from "@kubernetes/client-node";
import { dirname, resolve as resolvePath } from "node:path";
import { parse as parseYaml } from "yaml";
import { DaemonError } from "../errors/daemon-error.js";
import { userAgent } from "./client-identity.js";
import type { KubeEdgeConfig } from "./kube-edge.js";

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  readonly contentType?: string;
}

export interface KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventsV1Api;
  /** Options for one generated-API call. */
  callOptions(opts: CallOptions): ConfigurationOptions;
  close(): void;
}

type FetchInit = Awaited<ReturnType<KubeConfig["applyToFetchOptions"]>>;

/** Without this, node-fetch sends `node-fetch/1.0`: both paths that build requests set ours. */
class IdentifiedKubeConfig extends KubeConfig {
  constructor(private readonly agentName: string) {
    super();
  }

  /** Generated API calls (list, get, patch). */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam("User-Agent", this.agentName);
  }

  /** Watches. */
  override async applyToFetchOptions(opts: Parameters<KubeConfig["applyToFetchOptions"]>[0]): Promise<FetchInit> {
    const init = await super.applyToFetchOptions(opts);
    (init.headers as { set(name: string, value: string): void }).set("User-Agent", this.agentName);
    return init;
  }
}

export function loadKubeConfig(config: Pick<KubeEdgeConfig, "mode" | "kubeconfigPath">): KubeConfig {
  const kc = new IdentifiedKubeConfig(userAgent());
  try {
    if (config.mode === "in-cluster") kc.loadFromCluster();
    else if (config.kubeconfigPath) {
      kc.loadFromFile(config.kubeconfigPath);
      followTokenFile(kc, config.kubeconfigPath);
    } else throw new Error("kubernetes.mode is kubeconfig but no kubeconfig path is configured");
  } catch (err) {
    const where =
      config.mode === "in-cluster"
        ? "the in-cluster service account"
        : `kubeconfig ${config.kubeconfigPath ?? "(none)"}`;
    throw new DaemonError(
      "KUBE_API_UNAVAILABLE",
      `cannot load Kubernetes client settings from ${where}: ${(err as Error).message}`,
      { phase: "kube", source: where },
      { cause: err },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new DaemonError("KUBE_API_UNAVAILABLE", `kubeconfig ${config.kubeconfigPath ?? ""} has no current cluster`, {
      phase: "kube",
    });
  }
  requireFetchForOidc(kc, config.kubeconfigPath ?? "");
  return kc;
}

/**
 * A kubeconfig user with a token file — client-go's `tokenFile`, or client-node's own
 * `token-file` — authenticates with the library's tokenFile provider, which reads the file again
 * every minute (client-go does too), so a rotated projected service-account token is followed.
 * client-node ignores `tokenFile` (the user sent no credentials: 401 on every request) and reads
 * `token-file` once at start-up. An inline `token` wins over a file, as in client-go.
 */
function followTokenFile(kc: KubeConfig, kubeconfigPath: string): void {
  const user = kc.getCurrentUser();
  if (!user || user.authProvider || user.exec || user.certFile || user.certData || user.username) return;
  const raw = parseYaml(readFileSync(kubeconfigPath, "utf8")) as {
    users?: ReadonlyArray<{ name?: unknown; user?: Record<string, unknown> | null } | null>;
  } | null;
  const entry = raw?.users?.find((u) => u?.name === user.name)?.user;
  const file = entry?.tokenFile ?? entry?.["token-file"];
  if (typeof file !== "string" || file === "" || (typeof entry?.token === "string" && entry.token !== "")) return;
  const tokenFile = resolvePath(dirname(kubeconfigPath), file);
  readFileSync(tokenFile); // unreadable: say so at start-up, naming the file
  kc.users = kc.users.map((u) => {
    if (u !== user) return u;
    const { token: _readOnce, ...rest } = u;
    return { ...rest, authProvider: { name: "tokenFile", config: { tokenFile } } };
  });
}

/**
 * The oidc auth-provider is the one path of the client that uses Node's fetch, and fetch needs
 * WebAssembly (undici's llhttp), which the DaemonSet's node flags turn off (--lite-mode, see
 * DAEMON_NODE_FLAGS): the first token refresh would crash the process. Refuse it at start-up.
 */
export function requireFetchForOidc(kc: KubeConfig, kubeconfigPath: string, wasm: boolean = hasWebAssembly()): void {
  const user = kc.getCurrentUser();
  if (wasm || user?.authProvider?.name !== "oidc") return;
  throw new DaemonError(
    "KUBE_API_UNAVAILABLE",
    `kubeconfig ${kubeconfigPath} user ${user.name} uses auth-provider oidc, which needs WebAssembly, and node runs ` +
      "without it (--lite-mode or --jitless): use a token, client certificate or exec credential, or run node without those flags",
    { phase: "kube", source: `kubeconfig ${kubeconfigPath}` },
  );
}

const hasWebAssembly = (): boolean => typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === "object";

/**
 * How often the shared agent's TLS material (CA, client certificate and key: files the kubeconfig
 * names, or what an exec credential returns) is read again. kubelet rotates its client
 * certificate in place (kubelet.conf names kubelet-client-current.pem), and the API server refuses
 * the old one once it expires: an agent built once at start-up then failed every GET, PATCH and
 * Event with 401 while the watches, which client-node builds afresh, kept the node ready.
 * client-go reloads such files every 5 minutes; the library re-reads a token file every minute.
 */
export const TLS_RECHECK_MS = 60_000;

/** A replaced agent is destroyed this long after, when the requests still on it are over (listTimeoutMs is 60 s). */
const RETIRED_AGENT_MS = 120_000;

interface AgentSettings {
  /** The TLS material, to tell when it changed. */
  readonly material: string;
  make(): HttpAgent;
}

/** A keep-alive agent with the kubeconfig's TLS settings; undefined when a proxy is configured (the library's own agent then). */
async function agentSettings(kc: KubeConfig): Promise<AgentSettings | undefined> {
  const cluster = kc.getCurrentCluster();
  if (!cluster || cluster.proxyUrl) return undefined;
  if (cluster.server.startsWith("http:")) return { material: "", make: () => new HttpAgent({ keepAlive: true }) };
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase };
  return {
    material: JSON.stringify(Object.values(tls).map((v) => (Buffer.isBuffer(v) ? v.toString("base64") : v))),
    make: () =>
      new HttpsAgent({
        keepAlive: true,
        ...tls,
        servername: cluster.tlsServerName ?? opts.servername ?? undefined,
        ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      }),
  };
}

/** The agent for the next request: the same one while its TLS material stays the same, checked every `recheckMs`. */
function sharedAgent(
  kc: KubeConfig,
  recheckMs: number,
  now: () => number,
): { get(): Promise<HttpAgent | undefined>; close(): Promise<void> } {
  let current: { readonly agent: HttpAgent; readonly material: string } | undefined;
  let checkedAt = -Infinity;
  let pending: Promise<HttpAgent | undefined> | undefined;
  const retired = new Set<HttpAgent>();
  const refresh = async (): Promise<HttpAgent | undefined> => {
    // Unreadable meanwhile (a file being replaced): keep what there is, and look again next time.
    const next = await agentSettings(kc).catch(() => undefined);
    checkedAt = now();
    if (next === undefined || next.material === current?.material) return current?.agent;
    const old = current?.agent;
    current = { agent: next.make(), material: next.material };
    if (old) {
      retired.add(old);
      setTimeout(() => {
        retired.delete(old);
        old.destroy();
      }, RETIRED_AGENT_MS).unref();
    }
    return current.agent;
  };
  return {
    get() {
      if (now() - checkedAt < recheckMs) return Promise.resolve(current?.agent);
      pending ??= refresh().finally(() => (pending = undefined));
      return pending;
    },
    async close() {
      await pending;
      for (const a of [current?.agent, ...retired]) a?.destroy();
    },
  };
}

export function createKubeClient(
  kc: KubeConfig,
  opts: { readonly tlsRecheckMs?: number; readonly now?: () => number } = {},
): KubeClient {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const events = kc.makeApiClient(EventsV1Api);
  const agents = sharedAgent(kc, opts.tlsRecheckMs ?? TLS_RECHECK_MS, opts.now ?? Date.now);
  const getAgent = () => agents.get();

  return {
    kubeConfig: kc,
    core,
    custom,
    events,
    callOptions({ signal, timeoutMs, contentType }): ConfigurationOptions {
      const deadline = AbortSignal.timeout(timeoutMs);
      const mw: ObservableMiddleware = {
        pre: (ctx) =>
          new Observable(
            getAgent().then((a) => {
              ctx.setSignal(signal ? AbortSignal.any([signal, deadline]) : deadline);
              if (contentType) ctx.setHeaderParam("Content-Type", contentType);
              if (a) ctx.setAgent(a);
              return ctx;
            }),
          ),
        post: (res) => new Observable(Promise.resolve(res)),
      };
      return { middleware: [mw], middlewareMergeStrategy: "append" };
    },
    close() {
      void agents.close();
    },
  };
}
