// The shim's channel to netattachd: Connect unary calls (the protocol's rules, shared with the
// daemon, are in server/src/connect/connect-protocol.ts) over HTTP/1.1 on the daemon's unix
// socket, through an HttpPost (Bun's native fetch in the binary). Failures are nice-grpc's
// ClientError, or RichClientError with the daemon's google.rpc.ErrorInfo decoded, exactly as
// a gRPC client reports them; a socket that cannot be connected is a SocketConnectError.
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import {
  PROTO_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  TIMEOUT_HEADER,
  timeoutHeaderValue,
} from "../../../server/src/connect/connect-protocol.js";
import { errorFromResponse } from "./connect-error-response.js";
import type { HttpPost } from "./http-post.js";
import { CONNECT_ERRNOS, connectCause, NotSentError, SocketConnectError } from "./socket-connect-error.js";

export interface UnaryCallOptions {
  /** Absolute deadline: sent as Connect-Timeout-Ms and enforced locally. */
  readonly deadline?: Date | number;
}

export interface UnaryTransport {
  /** POSTs one serialized request to `path` (/pkg.Service/Method); resolves with the one response message. */
  call(path: string, request: Uint8Array, options?: UnaryCallOptions): Promise<Uint8Array>;
}

const HEADERS = {
  "content-type": PROTO_CONTENT_TYPE,
  [PROTOCOL_VERSION_HEADER]: PROTOCOL_VERSION,
  "user-agent": "netattach-cni",
};

export function createConnectTransport(socketPath: string, post: HttpPost): UnaryTransport {
  async function call(path: string, request: Uint8Array, options: UnaryCallOptions = {}): Promise<Uint8Array> {
    const budget = options.deadline === undefined ? undefined : new Date(options.deadline).getTime() - Date.now();
    if (budget !== undefined && budget <= 0) throw new NotSentError(path);
    const abort = new AbortController();
    const timer = budget === undefined ? undefined : setTimeout(() => abort.abort(), budget);
    const headers = budget === undefined ? HEADERS : { ...HEADERS, [TIMEOUT_HEADER]: timeoutHeaderValue(budget) };
    try {
      const res = await post(socketPath, path, headers, request, abort.signal).catch(async (err: unknown) => {
        if (abort.signal.aborted) throw new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded");
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === "string" && CONNECT_ERRNOS.has(code))
          throw new SocketConnectError(path, await connectCause(socketPath, err));
        throw new ClientError(
          path,
          Status.UNAVAILABLE,
          `Connection dropped: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
      if (res.status !== 200) throw await errorFromResponse(path, res);
      const contentType = res.headers["content-type"] ?? "";
      if (contentType !== PROTO_CONTENT_TYPE)
        throw new ClientError(
          path,
          Status.INTERNAL,
          `Expected ${PROTO_CONTENT_TYPE}, received content-type ${JSON.stringify(contentType)}`,
        );
      if ((res.headers["content-encoding"] ?? "identity") !== "identity")
        throw new ClientError(
          path,
          Status.INTERNAL,
          `Received a ${res.headers["content-encoding"]} response without asking for it`,
        );
      return res.body;
    } finally {
      clearTimeout(timer);
    }
  }
  return { call };
}
