// Pure tables between CNI error codes, catalog status names and gRPC status codes.
import { Status } from "nice-grpc-common";
import type { GrpcStatusName } from "./error-codes.js";

/** gRPC status for a catalog status name. */
export function statusFromName(name: GrpcStatusName): Status {
  return Status[name];
}

/**
 * gRPC status for a plugin's own CNI error code (PLUGIN_FAILED only). Never INTERNAL, which means
 * a bug of netattachd's: the plugin's I/O (5) and internal (999) errors, codes the spec reserves but
 * does not define, and plugin-specific codes (100+) are UNKNOWN.
 */
export function statusFromCniCode(code: number): Status {
  switch (code) {
    case 1:
      return Status.FAILED_PRECONDITION;
    case 2:
    case 4:
    case 6:
    case 7:
    case 8:
      return Status.INVALID_ARGUMENT;
    case 3:
      return Status.NOT_FOUND;
    case 11:
    case 50:
    case 51:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}
