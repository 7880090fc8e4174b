// Bounds on what callers and network definitions send: one place for the limits, their defaults
// and the error every breach gets (LIMIT_EXCEEDED naming the input, its size and the config key).
import { DaemonError, type ErrorContext } from "../errors/daemon-error.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/index.js";

export interface InputLimits {
  /** Bytes of a pod annotation the daemon reads, and of a request's whole annotation map (keys + values). */
  readonly maxAnnotationBytes: number;
  /** Networks of one pod, the cluster network and defaultNetworks included. */
  readonly maxNetworksPerPod: number;
  /** Nesting of JSON a caller or a network definition supplies (annotation, cni-args, configs). */
  readonly maxJsonDepth: number;
  /** Characters of a container id. */
  readonly maxContainerIdLength: number;
  /** Bytes of the CNI_ARGS every plugin gets in its environment (keys + values): the request's pairs and the daemon's K8S_POD_*. */
  readonly maxCniArgsBytes: number;
  /** Bytes of one request message: refused above it by grpc-js (RESOURCE_EXHAUSTED) and the Connect edge (LIMIT_EXCEEDED). */
  readonly maxMessageBytes: number;
  /** Bytes of one file of definitionsDir or cniConfDir (or a clusterNetwork path): a larger one is reported, not read. */
  readonly maxDefinitionFileBytes: number;
  /**
   * Bytes of one NetworkAttachmentDefinition's spec.config in the cluster: a larger one is not kept
   * in the definitions cache every node holds for every namespace, and its pods are refused.
   */
  readonly maxNetworkConfigBytes: number;
  /** Port mappings of one network of a pod (an annotation element, or the runtime's runtimeConfig): portmap adds ~3 nat rules each. */
  readonly maxPortMappings: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  // The Kubernetes API caps all of an object's annotations at 256 KiB together.
  maxAnnotationBytes: 256 * 1024,
  // Far more than any real pod (Multus users run a handful; SR-IOV pods a dozen or two).
  maxNetworksPerPod: 32,
  // CNI configs nest 6-8 levels; runtimeConfig and cni-args fewer.
  maxJsonDepth: 32,
  // CRI sandbox ids are 64 hex characters; room for other runtimes' ids, far below NAME_MAX.
  maxContainerIdLength: 128,
  // Real runtimes send a few pod keys (~200 bytes); Linux caps one environment string at 128 KiB.
  // The daemon's own pairs fit in MIN_CNI_ARGS_BYTES whatever the pod's names.
  maxCniArgsBytes: 16 * 1024,
  // grpc-js's own default.
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  // A definition is at most what the API server stores (~1.5 MiB an object); a manifest file holding a
  // `kind: List` of hundreds of definitions still fits. YAML parses at ~1 s per MiB at worst, on the event loop.
  maxDefinitionFileBytes: 1024 * 1024,
  // CNI configs take a few KiB (a long IPAM range or route list a few more); the API server stores
  // ~1.5 MiB an object, so 1,000 definitions of anyone's namespace could otherwise fill each node's daemon.
  maxNetworkConfigBytes: 64 * 1024,
  // A pod maps a few ports; portmap 1.1.1 takes ~35 ms a mapping (200: 7 s), so 64 stay ~2 s, far within pluginTimeoutMs.
  maxPortMappings: 64,
};

/**
 * Characters of a pod UID. Not a config key: Kubernetes UIDs are UUIDs (36 characters), a static
 * pod's a 32-character hash; the rest is room for other runtimes. It travels in every plugin's CNI_ARGS.
 */
export const MAX_POD_UID_LENGTH = 128;

/**
 * Lowest limits.maxCniArgsBytes: the daemon's own CNI_ARGS for the longest names a request may
 * carry (IgnoreUnknown, K8S_POD_NAMESPACE 63, K8S_POD_NAME 253, K8S_POD_INFRA_CONTAINER_ID 240,
 * K8S_POD_UID 128: 774 bytes) fit, so the bound never refuses a pod for its own identity.
 */
export const MIN_CNI_ARGS_BYTES = 1024;

/** `<what was found>: over limits.<key> (<limit>)`: the words of every breach, also where it is a problem to list, not an error. */
export function overLimit(found: string, key: keyof InputLimits, limit: number): string {
  return `${found}: over limits.${key} (${limit})`;
}

/** `<what was found>: over limits.<key> (<limit>)`, as INVALID_ARGUMENT. */
export function limitExceeded(
  found: string,
  key: keyof InputLimits,
  limit: number,
  context: ErrorContext = {},
): DaemonError {
  return new DaemonError("LIMIT_EXCEEDED", overLimit(found, key, limit), {
    phase: "resolve",
    ...context,
    limit: `limits.${key}`,
  });
}
