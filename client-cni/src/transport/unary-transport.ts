// A lean gRPC channel for unary calls over the daemon's unix socket, replacing grpc-js,
// whose load and connection set-up cost more than the whole call on the shim's
// one-call-per-process path (node:http2 in Bun too: see tools/build.mjs). Speaks the
// gRPC-over-HTTP/2 protocol as-is: POST /pkg.Service/Method, length-prefixed messages,
// grpc-timeout, status in trailers (or a trailers-only response; error-from-trailers.ts),
// over http2-connection.ts. One connection per transport, reused by calls made one after
// another (ADD's retries).
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import type { OpenSocket } from "./byte-socket.js";
import { ConnectError } from "./connect-error.js";
import { errorFromHttpStatus, errorFromTrailers, grpcStatusOf, type Metadata } from "./error-from-trailers.js";
import type { HeaderList } from "./hpack.js";
import { openHttp2Connection, type Http2Connection, type Http2Response } from "./http2-connection.js";

export interface UnaryCallOptions {
  /** Absolute deadline: sent as grpc-timeout and enforced locally. */
  readonly deadline?: Date | number;
}

export interface UnaryTransport {
  /** POSTs one serialized request to `path` (/pkg.Service/Method); resolves with the one response message. */
  call(path: string, request: Uint8Array, options?: UnaryCallOptions): Promise<Uint8Array>;
  /** Starts connecting now, before the first call needs it (a failure is reported by that call). */
  connect(): void;
  close(): void;
}

/** RST_STREAM (or GOAWAY) without a gRPC status, mapped as grpc-js does (RFC 9113 §7 codes). */
const RST_STATUS: Readonly<Record<number, Status>> = { 0x7: Status.UNAVAILABLE, 0x8: Status.CANCELLED, 0xb: Status.RESOURCE_EXHAUSTED, 0xc: Status.PERMISSION_DENIED };

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

/** Header list → lookup by name (the first of repeated names wins). */
function metadata(list: HeaderList | undefined): Metadata | undefined {
  if (list === undefined) return undefined;
  const m: Record<string, string> = {};
  for (const [name, value] of list) m[name] ??= value;
  return m;
}

/** What a finished stream amounts to: the response message or the gRPC error. */
async function outcome(path: string, r: Http2Response): Promise<Uint8Array | ClientError> {
  const headers = metadata(r.headers);
  // A trailers-only response (every error from a gRPC server) carries the status in its headers.
  const meta = metadata(r.trailers) ?? headers;
  const code = meta === undefined ? undefined : grpcStatusOf(meta);
  if (meta !== undefined && code !== undefined) return code === Status.OK ? unframe(path, r.body) : errorFromTrailers(path, code, meta);
  if (r.rstCode !== undefined && r.rstCode !== 0) return new ClientError(path, RST_STATUS[r.rstCode] ?? Status.INTERNAL, `Stream reset with code ${r.rstCode}`);
  const httpStatus = Number(headers?.[":status"] ?? 0);
  if (headers !== undefined && httpStatus !== 200) return errorFromHttpStatus(path, httpStatus);
  return new ClientError(path, Status.UNKNOWN, "Stream ended without a gRPC status");
}

export function createUnaryTransport(socketPath: string, openSocket?: OpenSocket): UnaryTransport {
  let connection: Promise<Http2Connection> | undefined;

  function open(): Promise<Http2Connection> {
    const opening = openHttp2Connection(socketPath, openSocket);
    opening.catch(() => undefined); // Reported by the call that awaits it.
    return (connection = opening);
  }

  async function connected(path: string): Promise<Http2Connection> {
    try {
      const current = await (connection ?? open());
      return current.usable ? current : await open();
    } catch (err) {
      connection = undefined; // The next call (ADD's retry) connects anew.
      throw new ConnectError(path, err);
    }
  }

  async function call(path: string, request: Uint8Array, options: UnaryCallOptions = {}): Promise<Uint8Array> {
    const budget = options.deadline === undefined ? undefined : new Date(options.deadline).getTime() - Date.now();
    if (budget !== undefined && budget <= 0) throw new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded");
    let cancel = (): void => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let late = false;
    const expired = new Promise<never>((_, reject) => {
      const fire = (): void => {
        late = true;
        cancel();
        reject(new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded"));
      };
      if (budget !== undefined) timer = setTimeout(fire, budget);
    });
    const exchange = async (): Promise<Uint8Array> => {
      const conn = await connected(path);
      if (late) throw new ClientError(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded"); // Never send a call already given up.
      const headers: HeaderList = [
        [":method", "POST"],
        [":scheme", "http"],
        [":path", path],
        [":authority", "localhost"],
        ["content-type", "application/grpc"],
        ["te", "trailers"],
        ["user-agent", "netattach-cni"],
        ...(budget === undefined ? [] : ([["grpc-timeout", grpcTimeout(budget)]] as HeaderList)),
      ];
      const req = conn.request(headers, frame(request));
      cancel = req.cancel;
      const response = await req.response.catch((err: unknown) => {
        throw new ClientError(path, Status.UNAVAILABLE, `Connection dropped: ${err instanceof Error ? err.message : String(err)}`);
      });
      const result = await outcome(path, response);
      if (result instanceof ClientError) throw result;
      return result;
    };
    try {
      return await Promise.race([exchange(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    call,
    connect: () => void (connection ?? open()),
    close: () => void connection?.then((c) => c.close(), () => undefined),
  };
}
