// THE error catalog. Every error the daemon returns has one of these reasons; the gRPC
// adapter maps it to a status and a google.rpc.ErrorInfo, the shim to a CNI code.
// The keys are proto/netattach/v1/error_reason.proto's reasons (the compiler holds the two in
// step); docs/errors.md documents each entry; test/meta checks the two agree.
import type { ReasonName } from "../wire/index.js";

export type GrpcStatusName =
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "NOT_FOUND"
  | "UNAVAILABLE"
  | "DEADLINE_EXCEEDED"
  | "INTERNAL"
  | "UNKNOWN"
  | "ABORTED"
  | "CANCELLED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "DATA_LOSS";

export interface ErrorCodeInfo {
  /** gRPC status; PLUGIN_FAILED derives it from the plugin's own CNI code instead. */
  readonly status: GrpcStatusName;
  /** CNI code the shim prints; PLUGIN_FAILED passes the plugin's own code through. */
  readonly cniCode: number;
  readonly summary: string;
}

export const ERROR_CODES = {
  INVALID_REQUEST: {
    status: "INVALID_ARGUMENT",
    cniCode: 4,
    summary: "a required request field is missing or malformed (container id, netns, interface name)",
  },
  INVALID_NETNS: {
    status: "INVALID_ARGUMENT",
    cniCode: 8,
    summary:
      "the netns path is not a network namespace, is the node's own, or differs from the one the attachment was made in",
  },
  LIMIT_EXCEEDED: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary: "an input is larger or deeper than a configured limit (limits.* in the daemon config)",
  },
  INVALID_ANNOTATION: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary: "a network selection annotation cannot be parsed or holds an invalid value",
  },
  INVALID_NETWORK_CONFIG: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary: "a network's CNI configuration is not valid JSON or not a valid conf/conflist",
  },
  INTERFACE_CONFLICT: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary: "two attachments ask for the same interface name, or a name is not a valid Linux interface name",
  },
  DEFAULT_ROUTE_CONFLICT: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary:
      "more than one default gateway was requested for one IP family, or two networks' configs (or results) each install a default route for one family",
  },
  IPAM_CONFLICT: {
    status: "INVALID_ARGUMENT",
    cniCode: 7,
    summary: "the IPAM subnets of two networks of one pod overlap",
  },
  DEFAULT_ROUTE_FAILED: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary: "a requested default route could not be set in the pod's netns (e.g. the gateway is not reachable)",
  },
  CAPABILITY_MISSING: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary:
      "a per-network option (ips, mac, portMappings, ...) was requested but no plugin of that network declares the capability",
  },
  NETWORK_NOT_FOUND: {
    status: "NOT_FOUND",
    cniCode: 7,
    summary: "a selected network is not defined in any source that was searched",
  },
  NAMESPACE_NOT_ALLOWED: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary: "namespace isolation forbids the pod from using a network in another namespace",
  },
  INCOMPATIBLE_CNI_VERSION: {
    status: "FAILED_PRECONDITION",
    cniCode: 1,
    summary:
      "the requested CNI version is not supported, a delegate's plugin binary cannot run at its config's version, or the result cannot be converted to it",
  },
  NODE_RESOURCE_INVALID: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary:
      "a config field naming a node link (master, device, bridge) names one that is missing or of the wrong kind, or a pod's deviceID, ips or hostPort would take an interface, address or port the node uses",
  },
  NODE_UNREADABLE: {
    status: "FAILED_PRECONDITION",
    cniCode: 5,
    summary:
      "the node's own networking could not be read for a check (a sysfs path, ip -j output): a condition of the node, not of the request",
  },
  PLUGIN_NOT_FOUND: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary: "a delegate's plugin binary is not present in any CNI bin directory",
  },
  PLUGIN_FAILED: {
    status: "UNKNOWN",
    cniCode: 999,
    summary: "a delegate plugin exited with an error; its own CNI code and message are carried",
  },
  PLUGIN_TIMEOUT: {
    status: "DEADLINE_EXCEEDED",
    cniCode: 11,
    summary: "a delegate plugin did not finish before its deadline and was killed",
  },
  PLUGIN_BAD_OUTPUT: {
    status: "UNKNOWN",
    cniCode: 6,
    summary: "a delegate plugin printed something that is not a valid CNI result or error",
  },
  ATTACHMENT_NOT_FOUND: {
    status: "NOT_FOUND",
    cniCode: 3,
    summary:
      "no saved attachment exists for this container (CHECK before ADD, a hot-plug on a sandbox not attached), or it has no such interface or network (DetachNetwork)",
  },
  POD_NOT_FOUND: { status: "NOT_FOUND", cniCode: 3, summary: "the pod is not known to the API server" },
  POD_UID_MISMATCH: {
    status: "FAILED_PRECONDITION",
    cniCode: 7,
    summary: "the pod found by namespace/name has another UID than the runtime's (the pod was recreated)",
  },
  KUBE_API_UNAVAILABLE: {
    status: "UNAVAILABLE",
    cniCode: 11,
    summary: "the Kubernetes API server could not be reached; try again later",
  },
  STATUS_WRITE_FAILED: {
    status: "UNAVAILABLE",
    cniCode: 11,
    summary: "the network-status annotation could not be written to the pod",
  },
  DETACH_INCOMPLETE: {
    status: "UNAVAILABLE",
    cniCode: 11,
    summary:
      "the DEL was cancelled or ran out of time with delegates left; state is kept so a retried DEL finishes the job",
  },
  STATE_IO: {
    status: "UNAVAILABLE",
    cniCode: 5,
    summary: "the attachment store or result cache could not be read or written (disk full, read-only, I/O error)",
  },
  STATE_CORRUPT: {
    status: "DATA_LOSS",
    cniCode: 5,
    summary: "a saved attachment cannot be decoded; its delegates cannot be deleted without it",
  },
  STATE_TOO_NEW: {
    status: "FAILED_PRECONDITION",
    cniCode: 11,
    summary:
      "a saved attachment was written by a newer netattachd in a format this one does not read; it is kept as it is until netattachd is rolled forward",
  },
  NOT_READY: {
    status: "UNAVAILABLE",
    cniCode: 11,
    summary: "the daemon is starting, its sources are not synced, or it is shutting down",
  },
  CANCELLED: { status: "CANCELLED", cniCode: 11, summary: "the caller cancelled the call" },
  WATCH_LIMIT: {
    status: "RESOURCE_EXHAUSTED",
    cniCode: 11,
    summary: "too many WatchEvents streams are open at once (events.maxWatchers)",
  },
  INTERNAL: {
    status: "INTERNAL",
    cniCode: 999,
    summary: "an unexpected internal error; details are in the daemon log",
  },
} as const satisfies Record<ReasonName, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The CNI code a caller gets for `code`: a plugin's own for PLUGIN_FAILED, the catalog's otherwise. */
export function cniCodeOf(code: ErrorCode, pluginCode: number | undefined): number {
  return code === "PLUGIN_FAILED" ? (pluginCode ?? ERROR_CODES[code].cniCode) : ERROR_CODES[code].cniCode;
}
