// gRPC failures → CNI error objects. The daemon's google.rpc.ErrorInfo carries the exact
// CNI code (a delegate plugin's own code included); transport failures become a
// "try again" (or, for STATUS, "not available") that names the socket.
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import type { RichClientError } from "nice-grpc-error-details/lib/client/RichClientError.js";
import type { ErrorInfo } from "nice-grpc-error-details/lib/proto/google/rpc/error_details.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { ERROR_DOMAIN } from "../../server/src/wire/index.js";
import { CniErrorCode, isCniErrorCode } from "../../server/src/cni/spec/index.js";
import { ShimError, isShimError } from "./shim-error.js";
import { NotSentError, SocketConnectError } from "./transport/socket-connect-error.js";

/** Status codes without the daemon's ErrorInfo that mean "could not be reached" or "gave no answer". */
const TRANSIENT = new Set<Status>([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.CANCELLED,
  Status.ABORTED,
  Status.RESOURCE_EXHAUSTED,
]);

export interface MappingContext {
  socketPath: string;
  /** CNI code when the daemon cannot be reached or gives no answer: 11, or 50 for STATUS. */
  unreachableCode: number;
  /** CNI code when socketPath itself is wrong (SocketConnectError.wrongSocket): 7, or 50 for STATUS. */
  wrongSocketCode: number;
  /** Command whose effect did not happen, said in the message (DEL must never look done). */
  command?: string;
}

/**
 * The daemon's google.rpc.ErrorInfo, from a RichClientError's details. Duck-typed (a
 * ClientError with `extra`): the class itself is loaded only when an error carries details.
 */
function errorInfo(err: unknown): ErrorInfo | undefined {
  const extra = err instanceof ClientError ? (err as Partial<RichClientError>).extra : undefined;
  for (const d of extra ?? []) if (d.$type === "google.rpc.ErrorInfo" && d.domain === ERROR_DOMAIN) return d;
  return undefined;
}

/** The daemon's catalog reason (server/src/errors/error-codes.ts) of a failed call, if it sent one. */
export function errorReason(err: unknown): string | undefined {
  return errorInfo(err)?.reason;
}

function where(info: ErrorInfo): string {
  const m = info.metadata;
  const parts = [`reason=${info.reason}`];
  for (const k of ["network", "plugin", "phase", "source", "ifName"]) if (m[k]) parts.push(`${k}=${m[k]}`);
  return parts.join(" ");
}

export function toShimError(err: unknown, ctx: MappingContext): ShimError {
  if (isShimError(err)) return err;
  const info = errorInfo(err);
  if (info !== undefined && err instanceof ClientError) {
    const code = Number(info.metadata["cniCode"]);
    const details = [
      info.metadata["details"],
      where(info),
      info.metadata["stderr"] ? `stderr: ${info.metadata["stderr"]}` : undefined,
    ]
      .filter(Boolean)
      .join("; ");
    // The daemon bounds plugin codes; a code a Go runtime cannot decode is never printed whatever sent it.
    return new ShimError(isCniErrorCode(code) ? code : CniErrorCode.Internal, err.details, details, { cause: err });
  }
  if (err instanceof ClientError && TRANSIENT.has(err.code)) {
    const why = `${Status[err.code]}: ${transportDetails(err.details)}`;
    // The socket could not be connected, or the deadline passed first: nothing was sent, so the command did not happen.
    const notSent = ctx.command !== undefined && ctx.command !== "STATUS" ? `; ${ctx.command} was not done` : "";
    const wrong = err instanceof SocketConnectError ? err.wrongSocket : undefined;
    // No retry can fix it, so none is advised: the conf (or who runs the shim) must change.
    if (wrong !== undefined)
      return new ShimError(
        ctx.wrongSocketCode,
        `cannot use "socketPath" ${quoteInput(ctx.socketPath)}: ${wrong}${notSent}`,
        why,
        { cause: err },
      );
    const notDone = notSent === "" ? "" : `${notSent}, the runtime should retry`;
    if (err instanceof SocketConnectError) {
      return new ShimError(ctx.unreachableCode, `netattachd is not reachable at ${ctx.socketPath}${notDone}`, why, {
        cause: err,
      });
    }
    if (err instanceof NotSentError) {
      return new ShimError(
        ctx.unreachableCode,
        `the ${ctx.command ?? "call"} to netattachd at ${ctx.socketPath} was not sent: its deadline (callTimeoutMs) had passed${notDone}`,
        why,
        { cause: err },
      );
    }
    // Sent, but no answer came back (our deadline, a dropped connection, a 503 without the
    // daemon's ErrorInfo): the daemon may have started the command.
    return new ShimError(
      ctx.unreachableCode,
      `netattachd at ${ctx.socketPath} was reached, but the ${ctx.command ?? "call"} ended without an answer${afterNoAnswer(ctx.command)}`,
      why,
      { cause: err },
    );
  }
  if (err instanceof ClientError) {
    return new ShimError(
      CniErrorCode.Internal,
      `netattachd at ${ctx.socketPath} failed: ${err.details}`,
      Status[err.code],
      { cause: err },
    );
  }
  return new ShimError(
    CniErrorCode.Internal,
    "netattach-cni internal error",
    err instanceof Error ? err.message : String(err),
    { cause: err },
  );
}

/** What a call that ended without an answer left behind, and what the runtime should do. */
function afterNoAnswer(command: string | undefined): string {
  switch (command) {
    case "ADD":
      // The daemon cancels a call whose client is gone and rolls back what it attached; a daemon that died
      // rolls it back when it starts again (attach/unfinished-adds.ts).
      return "; the daemon rolls back an ADD it could not finish (at its next start if it died), the runtime should DEL and retry";
    case "DEL":
      return "; the DEL may be unfinished, the runtime should retry";
    case "CHECK":
    case "GC":
      return "; the runtime should retry";
    default:
      return "";
  }
}

/**
 * grpc-js appends an empty "Resolution note: " to connection errors (the shim no longer
 * uses grpc-js, but its messages must read the same through either). Dropped: besides being
 * noise, a trailing space survives into the runtime's gRPC error message, and strict HTTP/2
 * peers (nghttp2, RFC 9113) discard a header value that ends in whitespace.
 */
export function transportDetails(details: string): string {
  return details.replace(/\.?\s*Resolution note:\s*$/, "").trim();
}
