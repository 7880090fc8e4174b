// A failure's reason travels as google.rpc.ErrorInfo{domain: ERROR_DOMAIN, reason}; the reason
// is an ErrorReason value's name without its prefix (proto/netattach/v1/error_reason.proto).
import { errorReasonToJSON, type ErrorReason } from "../../../proto/gen/netattach/v1/error_reason.js";

export const ERROR_DOMAIN = "netattach.dev";

const PREFIX = "ERROR_REASON_";

/** The reasons as ErrorInfo carries them ("NETWORK_NOT_FOUND", …); the catalog's keys. */
export type ReasonName = Unprefixed<Exclude<keyof typeof ErrorReason, "ERROR_REASON_UNSPECIFIED" | "UNRECOGNIZED">>;
type Unprefixed<K> = K extends `${typeof PREFIX}${infer R}` ? R : never;

/** The wire name of a reason: ErrorReason.ERROR_REASON_NOT_READY → "NOT_READY". */
export function reasonName(reason: ErrorReason): ReasonName {
  return errorReasonToJSON(reason).slice(PREFIX.length) as ReasonName;
}
