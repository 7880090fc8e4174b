// The Connect protocol's unary rules (connectrpc.com/docs/protocol), written once for both
// ends: the daemon's Connect edge (connect-handler.ts) and the shim's client
// (client-cni/src/transport/connect-transport.ts). A unary call is an HTTP/1.1
// POST /<package.Service>/<Method> with the binary message as the body; success is 200 with
// the binary reply; failure is a JSON body {code, message, details} with the status below.
// Codes are gRPC's, so nice-grpc's Status, ServerError and ClientError carry them unchanged.
import { Status } from "nice-grpc-common/lib/Status.js";

export const PROTO_CONTENT_TYPE = "application/proto";
export const JSON_CONTENT_TYPE = "application/json";
export const PROTOCOL_VERSION_HEADER = "connect-protocol-version";
export const PROTOCOL_VERSION = "1";
export const TIMEOUT_HEADER = "connect-timeout-ms";
/** The spec caps the timeout at 10 digits. */
const MAX_TIMEOUT_MS = 9_999_999_999;

/** An error detail on the wire: the message's full name and its bytes, base64. */
export interface WireDetail {
  readonly type: string;
  readonly value: string;
}

/** The JSON body of every Connect error. */
export interface WireError {
  readonly code: string;
  readonly message?: string;
  readonly details?: readonly WireDetail[];
}

/** "unavailable", "invalid_argument", ...; gRPC's CANCELLED is spelt "canceled". */
export function connectCode(status: Status): string {
  return status === Status.CANCELLED ? "canceled" : (Status[status] ?? "UNKNOWN").toLowerCase();
}

/** The status of a Connect code; undefined for a name the spec does not define (or "ok"). */
export function statusOfConnectCode(code: unknown): Status | undefined {
  if (typeof code !== "string" || code === "ok") return undefined;
  const name = code === "canceled" ? "CANCELLED" : code.toUpperCase();
  const status = (Status as unknown as Record<string, Status | undefined>)[name];
  return typeof status === "number" && connectCode(status) === code ? status : undefined;
}

const HTTP_STATUS: Readonly<Partial<Record<Status, number>>> = {
  [Status.CANCELLED]: 499,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.DEADLINE_EXCEEDED]: 504,
  [Status.NOT_FOUND]: 404,
  [Status.ALREADY_EXISTS]: 409,
  [Status.PERMISSION_DENIED]: 403,
  [Status.RESOURCE_EXHAUSTED]: 429,
  [Status.FAILED_PRECONDITION]: 400,
  [Status.ABORTED]: 409,
  [Status.OUT_OF_RANGE]: 400,
  [Status.UNIMPLEMENTED]: 501,
  [Status.UNAVAILABLE]: 503,
  [Status.UNAUTHENTICATED]: 401,
};

/** The HTTP status an error with this code is sent with (500 for the rest). */
export function httpStatusOf(status: Status): number {
  return HTTP_STATUS[status] ?? 500;
}

/**
 * The code of an error response whose body is not a Connect error (a proxy's, say): the
 * mapping Connect shares with gRPC.
 */
export function statusOfHttpStatus(httpStatus: number): Status {
  if (httpStatus === 400) return Status.INTERNAL;
  if (httpStatus === 401) return Status.UNAUTHENTICATED;
  if (httpStatus === 403) return Status.PERMISSION_DENIED;
  if (httpStatus === 404) return Status.UNIMPLEMENTED;
  if ([429, 502, 503, 504].includes(httpStatus)) return Status.UNAVAILABLE;
  return Status.UNKNOWN;
}

/** The Connect-Timeout-Ms value for a budget of `ms` (at least 1). */
export function timeoutHeaderValue(ms: number): string {
  return String(Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(ms))));
}

/** Connect-Timeout-Ms → milliseconds; undefined when absent; an Error when malformed. */
export function parseTimeoutHeader(value: string | undefined): number | undefined | Error {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,10}$/.test(value))
    return new Error(`${TIMEOUT_HEADER} must be 1 to 10 digits, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A detail's type name ↔ the type URL of the google.protobuf.Any it stands for. */
export const TYPE_URL_PREFIX = "type.googleapis.com/";
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
}
