// Contract of the Kubernetes edge (issue 5). The daemon's composition root calls
// createKubeEdge() when kubernetes.mode is not "none". Implementation: server/src/kube/.
import type { Logger } from "pino";
import type { NetworkStatusWriter } from "../attach/index.js";
import type { EventSink } from "../events/attachment-event.js";
import type { InformerStats } from "../metrics/index.js";
import type { ConfDirFallback, NetworkSource, PodInfo, PodSource } from "../resolve/index.js";

/** Timeouts and retry bounds; every field has a default (DEFAULT_KUBE_TUNING). */
export interface KubeTuning {
  /** Per-request deadline of a single GET or PATCH. */
  readonly requestTimeoutMs: number;
  /** Deadline of an informer's initial LIST (large clusters list slowly). */
  readonly listTimeoutMs: number;
  /** Objects per LIST page (client-go's default 500); bounds the memory a relist needs at once. */
  readonly listPageSize: number;
  /** Tries of a live GET (pod or definition) when the API answers 5xx/429 or cannot be reached. */
  readonly liveGetAttempts: number;
  /** Tries of the network-status PATCH (409 Conflict, 5xx, 429, connection errors). */
  readonly statusWriteAttempts: number;
  /** First pause between the tries of one call; doubles each time (jittered, at most backoffMaxMs). */
  readonly retryBackoffMs: number;
  /**
   * Pause after the API server failed, before an informer restarts and before the next live GET
   * is sent (api-gate.ts): doubles from min up to max, jittered; reset by a success.
   */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /**
   * How long a live GET's 404 for a definition is remembered while its informer stays synced
   * (a clusterNetwork given by conf name is looked up as a definition first on every ADD).
   */
  readonly negativeLookupTtlMs: number;
  /** Server-side watch timeout: the watch is renewed this often, which also notices a dead server. */
  readonly watchTimeoutSeconds: number;
  /** Kubernetes Events (kube-event-recorder.ts): a series ends after this long without a repeat (client-go: 6 min)... */
  readonly eventSeriesFinishMs: number;
  /** ...and a long series has its count written this often (client-go: 30 min). */
  readonly eventSeriesRefreshMs: number;
  /** Events waiting to be written; beyond it new ones are dropped (client-go: 1000). */
  readonly eventQueueSize: number;
  /** Event writes per pod at once, then one more per eventRefillMs (client-go's spam filter: 25, 5 min). */
  readonly eventBurst: number;
  readonly eventRefillMs: number;
  /** Tries of one Event write (5xx, 429, connection errors); one while the API server is failing. */
  readonly eventWriteAttempts: number;
}

export interface KubeEdgeConfig {
  readonly mode: "kubeconfig" | "in-cluster";
  readonly kubeconfigPath?: string;
  readonly nodeName: string;
  /** Namespaces whose definitions are watched; empty = all namespaces. */
  readonly namespaces: readonly string[];
  /** Fail the ADD when network-status cannot be written, or log and go on. */
  readonly statusFailurePolicy: "fail" | "ignore";
  /** Conf dir for definitions without spec.config. */
  readonly confDir: string;
  /** Which definitions without spec.config may use the conf dir; all when absent. */
  readonly confDirFallback?: ConfDirFallback;
  /**
   * limits.maxNetworkConfigBytes: a definition whose spec.config is larger is not kept in the
   * cache (only its size, for the error its lookup gets); no bound when absent.
   */
  readonly maxNetworkConfigBytes?: number;
  /** Write Kubernetes Events on pods (interfaces added, failures); default true. */
  readonly events?: boolean;
  /** Optional overrides of DEFAULT_KUBE_TUNING. */
  readonly tuning?: Partial<KubeTuning>;
}

export interface KubeEdge {
  readonly networkSource: NetworkSource;
  readonly podSource: PodSource;
  readonly statusWriter: NetworkStatusWriter;
  /** Informers synced (listed, and their watches running). */
  ready(): boolean;
  /** Why not ready, one line per informer that is not synced (empty when ready). */
  notReadyReasons(): string[];
  /** Each informer's sync state and watch restarts (metrics, read at scrape time). */
  informerStats(): InformerStats[];
  /** Turns attachment events into Kubernetes Events on the pod; absent when they are off. */
  readonly podEvents?: EventSink;
  /** Calls `handler` as this node's pods appear, change and go (annotation-driven hot-plug). */
  onPodChange(handler: (pod: PodInfo, change: "add" | "update" | "delete") => void): void;
  /** Starts the informers; resolves after the first attempt of each, synced or not (they keep retrying). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Seams for tests and composition; everything has a default. */
export interface KubeEdgeDeps {
  /** Source of definitions without spec.config (default: the conf dir of config.confDir). */
  readonly confDirSource?: NetworkSource;
}

export type CreateKubeEdge = (config: KubeEdgeConfig, log: Logger, deps?: KubeEdgeDeps) => KubeEdge;
