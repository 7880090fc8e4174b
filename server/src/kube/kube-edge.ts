// Contract of the Kubernetes edge (issue 5). The daemon's composition root calls
// createKubeEdge() when kubernetes.mode is not "none". Implementation: server/src/kube/.
import type { Logger } from "pino";
import type { NetworkStatusWriter } from "../attach/types.js";
import type { NetworkSource, PodSource } from "../resolve/types.js";

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
}

export interface KubeEdge {
  readonly networkSource: NetworkSource;
  readonly podSource: PodSource;
  readonly statusWriter: NetworkStatusWriter;
  /** Informers synced. */
  ready(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type CreateKubeEdge = (config: KubeEdgeConfig, log: Logger) => KubeEdge;
