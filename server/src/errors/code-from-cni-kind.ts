// The one table from a CNI runtime failure kind to a catalog reason.
import type { CniFailureKind } from "../cni/index.js";
import type { ErrorCode } from "./error-codes.js";

export function codeFromCniKind(kind: CniFailureKind): ErrorCode {
  switch (kind) {
    case "plugin-failed":
    case "exec":
      return "PLUGIN_FAILED";
    case "plugin-not-found":
      return "PLUGIN_NOT_FOUND";
    case "plugin-type-invalid":
    case "invalid-config":
      return "INVALID_NETWORK_CONFIG";
    case "timeout":
      return "PLUGIN_TIMEOUT";
    case "aborted":
      return "CANCELLED";
    case "bad-output":
      return "PLUGIN_BAD_OUTPUT";
    case "invalid-args":
      return "INVALID_REQUEST";
    case "incompatible-version":
      return "INCOMPATIBLE_CNI_VERSION";
    case "cache":
      return "STATE_IO";
  }
}
