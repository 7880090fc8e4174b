// What the daemon and its clients (the shim, netattachctl, other runtimes) agree on beyond the
// proto messages: where the socket is by default, and how a failure names its reason. Defined
// once here; the shim bundles it, so it imports nothing but generated code.
import { errorReasonToJSON, type ErrorReason } from "../../../proto/gen/netattach/v1/error_reason.js";

/** The daemon config's `socketPath`, the shim conf's `socketPath`, netattachctl's `--socket` and the install step all default to it. */
export const DEFAULT_SOCKET_PATH = "/run/netattach/netattach.sock";

/**
 * The shortest `callTimeoutMs` the daemon config and the shim conf take: below it a call cannot even
 * reach the daemon (with 0 the shim failed every call before sending it).
 */
export const MIN_CALL_TIMEOUT_MS = 100;

/** The daemon's default `limits.maxMessageBytes` (grpc-js's own default): a larger request is refused. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** The smallest `limits.maxMessageBytes` the daemon config takes. */
export const MIN_MAX_MESSAGE_BYTES = 64 * 1024;

/** A failure's reason travels as google.rpc.ErrorInfo{domain: ERROR_DOMAIN, reason}. */
export const ERROR_DOMAIN = "netattach.dev";

const PREFIX = "ERROR_REASON_";

/** The reasons as ErrorInfo carries them ("NETWORK_NOT_FOUND", …): ErrorReason names without the prefix; the catalog's keys. */
export type ReasonName = Unprefixed<Exclude<keyof typeof ErrorReason, "ERROR_REASON_UNSPECIFIED" | "UNRECOGNIZED">>;
type Unprefixed<K> = K extends `${typeof PREFIX}${infer R}` ? R : never;

/** The wire name of a reason: ErrorReason.ERROR_REASON_NOT_READY → "NOT_READY". */
export function reasonName(reason: ErrorReason): ReasonName {
  return errorReasonToJSON(reason).slice(PREFIX.length) as ReasonName;
}
