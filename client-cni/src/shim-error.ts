// The shim's one error type: a CNI error object ({code, msg, details}) that is printed on
// stdout as the spec requires. Every failure path ends as one of these; codes are the spec's
// (CniErrorCode in server/src/cni/spec).

export class ShimError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string;

  constructor(code: number, msg: string, details = "", options?: { cause?: unknown }) {
    super(details ? `${msg}; ${details}` : msg, options);
    this.name = "ShimError";
    this.code = code;
    // Trimmed: the runtime forwards msg/details inside a gRPC status message, whose HTTP/2
    // header a strict peer drops when it starts or ends with whitespace.
    this.msg = msg.trim();
    this.details = details.trim();
  }

  /** The spec's error object, in the caller's cniVersion. */
  toSpecJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    const out: { cniVersion: string; code: number; msg: string; details?: string } = {
      cniVersion,
      code: this.code,
      msg: this.msg,
    };
    if (this.details) out.details = this.details;
    return out;
  }
}

export function isShimError(err: unknown): err is ShimError {
  return err instanceof ShimError;
}
