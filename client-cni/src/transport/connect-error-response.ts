// A Connect error response → the error nice-grpc would have thrown for the same gRPC
// status: the code and message from the JSON body, and its details decoded (the daemon's
// google.rpc.ErrorInfo carries the CNI code) into a RichClientError.
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import type { Status } from "nice-grpc-common/lib/Status.js";
import type { ErrorDetails } from "nice-grpc-error-details/lib/ErrorDetails.js";
import {
  JSON_CONTENT_TYPE,
  TYPE_URL_PREFIX,
  statusOfConnectCode,
  statusOfHttpStatus,
  type WireDetail,
} from "../../../server/src/connect/connect-protocol.js";
import type { HttpPostResponse } from "./http-post.js";

const ERROR_INFO = "google.rpc.ErrorInfo";

/** The body's error, when it is a Connect error. */
function wireError(res: HttpPostResponse): { code: Status; message: string; details: WireDetail[] } | undefined {
  if ((res.headers["content-type"] ?? "").split(";")[0]?.trim() !== JSON_CONTENT_TYPE) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(res.body).toString("utf8"));
  } catch {
    return undefined;
  }
  const b = body as { code?: unknown; message?: unknown; details?: unknown } | null;
  const code = statusOfConnectCode(b?.code);
  if (code === undefined) return undefined;
  const details = Array.isArray(b?.details)
    ? (b.details as unknown[]).filter(
        (d): d is WireDetail =>
          typeof (d as WireDetail)?.type === "string" && typeof (d as WireDetail)?.value === "string",
      )
    : [];
  return { code, message: typeof b?.message === "string" ? b.message : "", details };
}

/** Details decoded: ErrorInfo as such, others kept as google.protobuf.Any; undefined when undecodable. */
async function decodeDetails(details: readonly WireDetail[]): Promise<ErrorDetails[] | undefined> {
  // nice-grpc-error-details' generated codecs, loaded only for an error that carries details.
  const [{ Any }, { ErrorInfo }] = await Promise.all([
    import("nice-grpc-error-details/lib/proto/google/protobuf/any.js"),
    import("nice-grpc-error-details/lib/proto/google/rpc/error_details.js"),
  ]);
  try {
    return details.map((d) => {
      const value = new Uint8Array(Buffer.from(d.value, "base64"));
      return d.type === ERROR_INFO
        ? ErrorInfo.decode(value)
        : Any.fromPartial({ typeUrl: `${TYPE_URL_PREFIX}${d.type}`, value });
    });
  } catch {
    return undefined; // An undecodable detail must not hide the error itself.
  }
}

/** The error of a non-200 response. */
export async function errorFromResponse(path: string, res: HttpPostResponse): Promise<ClientError> {
  const wire = wireError(res);
  if (wire === undefined)
    return new ClientError(
      path,
      statusOfHttpStatus(res.status),
      `Received HTTP status ${res.status} without a Connect error`,
    );
  const extra = wire.details.length === 0 ? undefined : await decodeDetails(wire.details);
  if (extra === undefined) return new ClientError(path, wire.code, wire.message);
  const { RichClientError } = await import("nice-grpc-error-details/lib/client/RichClientError.js");
  return new RichClientError(path, wire.code, wire.message, extra);
}
