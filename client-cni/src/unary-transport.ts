// A lean gRPC channel for unary calls over a unix socket: node:http2 (Bun implements it
// natively) instead of grpc-js, whose load and connection set-up cost more than the whole
// call on the shim's one-call-per-process path. Speaks the gRPC HTTP/2 protocol as-is:
// length-prefixed messages, grpc-timeout, status trailers (see error-from-trailers.ts).
// One session per transport, reused by sequential calls (ADD's retries); not concurrent.
import type { ClientHttp2Session, IncomingHttpHeaders } from "node:http2";
import type { Socket } from "node:net";
import { ClientError, Status } from "nice-grpc-common";
import { ConnectError } from "./connect-error.js";
import { errorFromHttpStatus, errorFromTrailers, grpcStatusOf } from "./error-from-trailers.js";

export interface UnaryCallOptions {
  /** Absolute deadline: sent as grpc-timeout and enforced locally. */
  readonly deadline?: Date | number;
}

export interface UnaryTransport {
  /** POSTs one serialized request to `path` (/pkg.Service/Method); resolves with the one response message. */
  call(path: string, request: Uint8Array, options?: UnaryCallOptions): Promise<Uint8Array>;
  close(): void;
}

// HTTP/2 error codes (RFC 9113 §7). node:http2 and node:net are imported only when a call
// is made: loading them is a measurable part of the shim's start (~5 ms in Bun).
const NO_ERROR = 0x0;
const CANCEL = 0x8;
/** RST_STREAM without a status, mapped as grpc-js does. */
const RST_STATUS: Readonly<Record<number, Status>> = { 0x7: Status.UNAVAILABLE, [CANCEL]: Status.CANCELLED, 0xb: Status.RESOURCE_EXHAUSTED, 0xc: Status.PERMISSION_DENIED };

async function connectSocket(socketPath: string): Promise<Socket> {
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    sock.once("connect", () => {
      sock.removeListener("error", reject);
      resolve(sock);
    });
    sock.once("error", reject);
  });
}

/** gRPC framing: 1 byte "compressed" flag (0), 4 bytes big-endian length, the message. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The single message of a unary response, or why there is none. */
function unframe(path: string, body: Buffer): Uint8Array | ClientError {
  if (body.length < 5) return new ClientError(path, Status.INTERNAL, "No message received");
  const length = body.readUInt32BE(1);
  if (body[0] !== 0) return new ClientError(path, Status.INTERNAL, "Received a compressed message without negotiating compression");
  if (body.length !== 5 + length) return new ClientError(path, Status.INTERNAL, `Expected one message of ${length} bytes, received ${body.length - 5} bytes`);
  return body.subarray(5);
}

/** grpc-timeout: at most 8 digits, so large budgets go in seconds. */
function grpcTimeout(ms: number): string {
  return ms < 1e8 ? `${Math.ceil(ms)}m` : `${Math.ceil(ms / 1000)}S`;
}

export function createUnaryTransport(socketPath: string): UnaryTransport {
  let session: ClientHttp2Session | undefined;

  async function openSession(): Promise<ClientHttp2Session> {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    const [sock, { connect }] = await Promise.all([connectSocket(socketPath), import("node:http2")]);
    const s = connect("http://localhost", { createConnection: () => sock });
    s.on("error", () => undefined); // Surfaces on the stream; a session error must not crash.
    s.once("close", () => void (session === s && (session = undefined)));
    s.once("goaway", () => void (session === s && (session = undefined)));
    return (session = s);
  }

  function call(path: string, request: Uint8Array, options: UnaryCallOptions = {}): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const budget = options.deadline === undefined ? undefined : new Date(options.deadline).getTime() - Date.now();
      if (budget !== undefined && budget <= 0) return reject(new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded"));
      let done = false;
      let cancel = (): void => undefined;
      const timer = budget === undefined ? undefined : setTimeout(() => (cancel(), settle(new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded"))), budget);
      function settle(outcome: Uint8Array | Error): void {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      }
      openSession().then(
        (s) => {
          if (done) return;
          const headers = { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", "user-agent": "netattach-cni" };
          const stream = s.request(budget === undefined ? headers : { ...headers, "grpc-timeout": grpcTimeout(budget) });
          cancel = () => stream.close(CANCEL);
          let response: IncomingHttpHeaders | undefined;
          let trailers: IncomingHttpHeaders | undefined;
          let failure: Error | undefined;
          const chunks: Buffer[] = [];
          stream.on("response", (h) => (response = h));
          stream.on("trailers", (h) => (trailers = h));
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", (err: Error) => (failure = err));
          stream.on("close", () => settle(outcome(path, response, trailers, Buffer.concat(chunks), stream.rstCode, failure)));
          stream.end(frame(request));
        },
        (err: unknown) => settle(new ConnectError(path, err)),
      );
    });
  }

  return { call, close: () => session?.close() };
}

/** What a finished stream amounts to: the response message or the gRPC error. */
function outcome(path: string, response: IncomingHttpHeaders | undefined, trailers: IncomingHttpHeaders | undefined, body: Buffer, rstCode: number | undefined, failure: Error | undefined): Uint8Array | ClientError {
  // A trailers-only response (every error from a gRPC server) carries the status in its headers.
  const meta = trailers ?? response;
  const code = meta === undefined ? undefined : grpcStatusOf(meta);
  if (meta !== undefined && code !== undefined) return code === Status.OK ? unframe(path, body) : errorFromTrailers(path, code, meta);
  const httpStatus = Number(response?.[":status"] ?? 0);
  if (response !== undefined && httpStatus !== 200) return errorFromHttpStatus(path, httpStatus);
  if (rstCode !== undefined && rstCode !== NO_ERROR) {
    return new ClientError(path, RST_STATUS[rstCode] ?? Status.INTERNAL, `Stream reset with code ${rstCode}`);
  }
  return new ClientError(path, Status.UNAVAILABLE, failure ? `Connection dropped: ${failure.message}` : "Stream closed without a gRPC status");
}
