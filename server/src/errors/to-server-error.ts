// The one translation of thrown values into gRPC errors: DaemonError | CniError |
// AbortError | unknown → RichServerError with a google.rpc.ErrorInfo from the catalog.
import { ServerError, type Status } from "nice-grpc-common";
import { ErrorInfo, RichServerError } from "nice-grpc-error-details";
import { describeError, INTERNAL_MESSAGE } from "./describe-error.js";
import { cniCodeOf, ERROR_CODES, type ErrorCode } from "./error-codes.js";
import type { ErrorContext } from "./daemon-error.js";
import { boundText } from "./bounded-text.js";
import { statusFromCniCode, statusFromName } from "./status-mapping.js";
import { ERROR_DOMAIN } from "../wire/index.js";

export { INTERNAL_MESSAGE };
/**
 * Byte bounds of what goes into the status trailers. Message and ErrorInfo together stay well under
 * 8 KiB even when every byte is percent-encoded, so a trailer never breaks the client's connection.
 */
const MAX_WIRE_MESSAGE = 1024;
const MAX_META_TEXT = 1024;
const MAX_META_VALUE = 256;

/** What a thrown value means on the wire. `expected` = false → log it as a bug. */
export interface ServerErrorMapping {
  readonly error: ServerError;
  readonly reason: ErrorCode | undefined;
  readonly expected: boolean;
}

/** Maps anything a handler threw. ServerErrors pass through unchanged. */
export function toServerError(err: unknown): ServerErrorMapping {
  if (err instanceof ServerError) return { error: err, reason: undefined, expected: true };
  const d = describeError(err);
  return { ...build(d.code, d.message, d.context, d.details), expected: d.expected };
}

function build(code: ErrorCode, message: string, context: ErrorContext, details?: string): ServerErrorMapping {
  const catalog = ERROR_CODES[code];
  const cniCode = cniCodeOf(code, context.cniCode);
  const status: Status = code === "PLUGIN_FAILED" ? statusFromCniCode(cniCode) : statusFromName(catalog.status);
  const metadata: Record<string, string> = { cniCode: String(cniCode) };
  for (const key of ["network", "plugin", "phase", "source", "ifName", "limit", "stderr"] as const) {
    const value = context[key];
    if (value !== undefined && value !== "")
      metadata[key] = boundText(value, key === "stderr" ? MAX_META_TEXT : MAX_META_VALUE);
  }
  if (details) metadata.details = boundText(details, MAX_META_TEXT / 2);
  const info = ErrorInfo.fromPartial({ reason: code, domain: ERROR_DOMAIN, metadata });
  return {
    error: new RichServerError(status, boundText(message, MAX_WIRE_MESSAGE), [info]),
    reason: code,
    expected: true,
  };
}
