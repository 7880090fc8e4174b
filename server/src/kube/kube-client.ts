// The one place that builds the client: KubeConfig from a kubeconfig file or the in-cluster
// service account, the typed APIs, and per-call options (deadline + caller's signal,
// Content-Type, one keep-alive agent so a status PATCH does not pay a TLS handshake). Every
// request, generated call or watch, carries netattachd's User-Agent (client-identity.ts).
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
    else if (config.kubeconfigPath) kc.loadFromFile(config.kubeconfigPath);
    else throw new Error("kubernetes.mode is kubeconfig but no kubeconfig path is configured");
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

/** A keep-alive agent with the kubeconfig's TLS settings; undefined when a proxy is configured (the library's own agent then). */
async function sharedAgent(kc: KubeConfig): Promise<HttpAgent | undefined> {
  const cluster = kc.getCurrentCluster();
  if (!cluster || cluster.proxyUrl) return undefined;
  if (cluster.server.startsWith("http:")) return new HttpAgent({ keepAlive: true });
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new HttpsAgent({
    keepAlive: true,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    servername: cluster.tlsServerName ?? opts.servername ?? undefined,
    ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
  });
}

export function createKubeClient(kc: KubeConfig): KubeClient {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const events = kc.makeApiClient(EventsV1Api);
  let agent: Promise<HttpAgent | undefined> | undefined;
  const getAgent = () => (agent ??= sharedAgent(kc).catch(() => undefined));

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
      void agent?.then((a) => a?.destroy());
    },
  };
}
