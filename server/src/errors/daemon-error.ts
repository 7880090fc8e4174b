import { MAX_MESSAGE_BYTES, boundText } from "./bounded-text.js";
import type { ErrorCode } from "./error-codes.js";

/** Where in the daemon an error happened; every field optional, all are reported. */
export interface ErrorContext {
  /** Network as `namespace/name` (or the conf name for file networks). */
  network?: string;
  /** Plugin type of the delegate that failed. */
  plugin?: string;
  /** resolve | plan | preflight | add | del | check | gc | status | rollback | store | kube */
  phase?: string;
  /** File, NetworkAttachmentDefinition or annotation the bad input came from. */
  source?: string;
  /** Interface name concerned. */
  ifName?: string;
  /** CNI code carried through (plugin's own code for PLUGIN_FAILED). */
  cniCode?: number;
  /** Plugin stderr, bounded. */
  stderr?: string;
  /** The config key of the limit an input broke (LIMIT_EXCEEDED). */
  limit?: string;
}

/** The one error type daemon code throws on purpose. Always keeps `cause`. */
export class DaemonError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(boundText(message, MAX_MESSAGE_BYTES), options);
    this.name = "DaemonError";
    this.code = code;
    this.context = context;
  }
}

export function isDaemonError(err: unknown): err is DaemonError {
  return err instanceof DaemonError;
}
