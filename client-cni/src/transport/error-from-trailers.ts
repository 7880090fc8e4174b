// gRPC's status trailers → the error nice-grpc would have thrown: grpc-status,
// grpc-message (percent-decoded, per the gRPC HTTP/2 spec) and grpc-status-details-bin
// (a google.rpc.Status whose ErrorInfo details carry the daemon's CNI code).
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import type { ErrorDetails } from "nice-grpc-error-details/lib/ErrorDetails.js";

const ERROR_INFO_URL = "/google.rpc.ErrorInfo";

/** Response headers or trailers by (lower-case) name. */
export type Metadata = Readonly<Record<string, string | undefined>>;

/** %XX sequences → UTF-8; anything malformed is kept as sent (the spec says never fail on it). */
export function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.charCodeAt(i) === 0x25 ? s.slice(i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** grpc-status from trailers (or a trailers-only response); undefined when there is none. */
export function grpcStatusOf(h: Metadata): Status | undefined {
  const raw = h["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  return Number.isInteger(code) && code >= 0 && code <= 16 ? (code as Status) : Status.UNKNOWN;
}

/** google.rpc.Status → its details, ErrorInfo decoded; undefined when undecodable. */
async function decodeDetails(bin: string): Promise<ErrorDetails[] | undefined> {
  // nice-grpc-error-details' generated codecs, loaded only for an error that carries details.
  const [{ Status: RpcStatus }, { ErrorInfo }] = await Promise.all([
    import("nice-grpc-error-details/lib/proto/google/rpc/status.js"),
    import("nice-grpc-error-details/lib/proto/google/rpc/error_details.js"),
  ]);
  try {
    const status = RpcStatus.decode(Buffer.from(bin, "base64"));
    return status.details.map((any) => (any.typeUrl.endsWith(ERROR_INFO_URL) ? ErrorInfo.decode(any.value) : any));
  } catch {
    return undefined; // An undecodable detail must not hide the status itself.
  }
}

/** The error for a non-OK status; nice-grpc's RichClientError when the server sent error details. */
export async function errorFromTrailers(path: string, code: Status, h: Metadata): Promise<ClientError> {
  const message = percentDecode(h["grpc-message"] ?? "");
  const bin = h["grpc-status-details-bin"];
  const extra = bin === undefined ? undefined : await decodeDetails(bin);
  if (extra === undefined) return new ClientError(path, code, message);
  const { RichClientError } = await import("nice-grpc-error-details/lib/client/RichClientError.js");
  return new RichClientError(path, code, message, extra);
}

/** A response without grpc-status: the gRPC spec's HTTP status → code mapping. */
export function errorFromHttpStatus(path: string, httpStatus: number): ClientError {
  const code =
    httpStatus === 400 ? Status.INTERNAL
    : httpStatus === 401 ? Status.UNAUTHENTICATED
    : httpStatus === 403 ? Status.PERMISSION_DENIED
    : httpStatus === 404 ? Status.UNIMPLEMENTED
    : [429, 502, 503, 504].includes(httpStatus) ? Status.UNAVAILABLE
    : Status.UNKNOWN;
  return new ClientError(path, code, `Received HTTP status ${httpStatus} without a gRPC status`);
}
