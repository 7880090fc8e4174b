// The daemon's Connect edge: the unary methods of gRPC services, served over HTTP/1.1 on the
// daemon's own socket (grpc/protocol-listener.ts) for clients that speak HTTP/1.1 only — the
// shim, whose runtime's fetch() reaches a unix socket only that way. Each call runs through the
// service's own implementation and middleware (logging, error mapping), exactly as a gRPC call
// does; only the framing differs (connect-protocol.ts). Bodies are bounded by the same limit as
// gRPC messages. Streaming methods (health Watch, reflection) stay gRPC-only.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Metadata, ServerError, Status, type CallContext } from "nice-grpc-common";
import * as errorDetails from "nice-grpc-error-details";
import { RichServerError, type ErrorDetails } from "nice-grpc-error-details";
import { MAX_TIMER_MS } from "../attach/index.js";
import { toServerError } from "../errors/to-server-error.js";
import { putDeadline } from "../grpc/caller-deadline.js";
import { serviceMethods, type GrpcService } from "../grpc/grpc-js-server.js";
import { limitExceeded } from "../limits/input-limits.js";
import {
  JSON_CONTENT_TYPE,
  PROTO_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  TIMEOUT_HEADER,
  connectCode,
  httpStatusOf,
  parseTimeoutHeader,
  typeNameOf,
  type WireDetail,
  type WireError,
} from "./connect-protocol.js";

export interface ConnectHandlerOptions {
  /** Largest request body accepted: limits.maxMessageBytes, as for gRPC messages. */
  readonly maxMessageBytes: number;
}

export interface ConnectHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Shutdown begins: new calls are refused (UNAVAILABLE), every response closes its connection. */
  drain(): void;
  /** Cancels the calls in flight: their context signal aborts, as grpc-js's forceShutdown does. */
  cancelAll(): void;
}

type Call = (request: unknown, context: CallContext) => Promise<unknown>;

interface Route {
  readonly decode: (bytes: Uint8Array) => unknown;
  readonly encode: (message: unknown) => Uint8Array;
  readonly call: Call;
}

/** The error-detail codecs by type name (google.rpc.ErrorInfo, ...), as nice-grpc-error-details encodes them for gRPC. */
const DETAIL_CODECS = new Map(
  Object.values(errorDetails as Record<string, unknown>)
    .filter(
      (v): v is { $type: string; encode(m: unknown): { finish(): Uint8Array } } =>
        typeof v === "object" && v !== null && "$type" in v && "encode" in v,
    )
    .map((codec) => [codec.$type, codec]),
);

function wireDetails(details: readonly ErrorDetails[]): WireDetail[] {
  return details.flatMap((d): WireDetail[] => {
    if (d.$type === errorDetails.Any.$type) return [{ type: typeNameOf(d.typeUrl), value: base64(d.value) }];
    const codec = DETAIL_CODECS.get(d.$type);
    return codec === undefined ? [] : [{ type: d.$type, value: base64(codec.encode(d).finish()) }];
  });
}

/** Unpadded, as the protocol asks of senders. */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

/** What a handler threw, as nice-grpc's server reports it to a gRPC client. */
function asServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  if (err instanceof Error && err.name === "AbortError")
    return new ServerError(Status.CANCELLED, "The operation was cancelled");
  return new ServerError(Status.UNKNOWN, "Unknown server error occurred");
}

/** One unary call through the service's middleware, as nice-grpc runs it for gRPC. */
function unaryCall(
  service: GrpcService,
  key: string,
  descriptor: { path: string; requestStream: false; responseStream: false; options: object },
): Call {
  const impl = (service.implementation as Record<string, Call>)[key];
  if (impl === undefined) throw new Error(`${descriptor.path} has no implementation`);
  const direct: Call = (request, context) => impl.call(service.implementation, request, context);
  const middleware = service.middleware;
  if (middleware === undefined) return direct;
  // eslint-disable-next-line require-yield -- a unary step returns its one message
  const next = async function* (request: unknown, context: CallContext) {
    return await direct(request, context);
  };
  return async (request, context) => {
    const result = await middleware(
      { method: descriptor, requestStream: false, request, responseStream: false, next },
      context,
    ).next();
    if (!result.done || result.value == null)
      throw new Error(`${descriptor.path}: a middleware did not return one message`);
    return result.value;
  };
}

function routesOf(services: readonly GrpcService[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const service of services) {
    for (const [key, m] of Object.entries(serviceMethods(service.definition))) {
      if (m.requestStream || m.responseStream) continue;
      const descriptor = {
        path: m.path,
        requestStream: false as const,
        responseStream: false as const,
        options: m.options,
      };
      routes.set(m.path, {
        decode: m.requestDeserialize,
        encode: m.responseSerialize,
        call: unaryCall(service, key, descriptor),
      });
    }
  }
  return routes;
}

/** Request headers as call metadata, without the HTTP and Connect framing ones. */
function metadataOf(headers: IncomingHttpHeaders): Metadata {
  const md = Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || FRAMING_HEADERS.has(key) || key.startsWith("connect-")) continue;
    for (const v of Array.isArray(value) ? value : [value]) md.append(key, v);
  }
  return md;
}
const FRAMING_HEADERS = new Set([
  "host",
  "connection",
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "transfer-encoding",
  "te",
  "keep-alive",
]);

/** Response header and trailer metadata, as the protocol carries them on a unary response. */
function metadataHeaders(header: Metadata, trailer: Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (prefix: string, md: Metadata): void => {
    for (const [key, values] of md) out[`${prefix}${key}`] = values.map((v) => (typeof v === "string" ? v : base64(v)));
  };
  add("", header);
  add("trailer-", trailer);
  return out;
}

/**
 * The request body, or a ServerError when it is larger than `max` bytes: the catalog's
 * LIMIT_EXCEEDED naming limits.maxMessageBytes (grpc-js's own RESOURCE_EXHAUSTED would read as
 * "try again" to the shim, and an oversized request never gets smaller).
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | ServerError> {
  // No phase: nothing has been decoded, let alone resolved.
  const tooLarge = (n: number): ServerError =>
    toServerError(limitExceeded(`request message of ${n} bytes`, "maxMessageBytes", max, { phase: undefined })).error;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) return Promise.resolve(tooLarge(declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        // The rest is read and dropped: a client still sending would otherwise fail to send
        // and never read the answer.
        req.removeAllListeners("data");
        req.resume();
        resolve(tooLarge(size));
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

export function createConnectHandler(services: readonly GrpcService[], opts: ConnectHandlerOptions): ConnectHandler {
  const routes = routesOf(services);
  const inFlight = new Set<AbortController>();
  let draining = false;

  function send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number | string[]>,
    body: Uint8Array | string,
  ): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      ...headers,
      "content-length": Buffer.byteLength(body),
      ...(draining ? { connection: "close" } : {}),
    });
    res.end(body);
  }

  function sendError(
    res: ServerResponse,
    err: ServerError,
    http: { status?: number; headers?: Record<string, string | string[]> } = {},
  ): void {
    const details = err instanceof RichServerError ? wireDetails(err.extra) : [];
    const body: WireError = {
      code: connectCode(err.code),
      message: err.details,
      ...(details.length > 0 ? { details } : {}),
    };
    send(
      res,
      http.status ?? httpStatusOf(err.code),
      { ...http.headers, "content-type": JSON_CONTENT_TYPE },
      JSON.stringify(body),
    );
  }

  /** Why the request cannot be a call of `path`: the error, and the HTTP status when it is more precise than the code's. */
  function refusal(
    req: IncomingMessage,
    path: string,
  ): { error: ServerError; status?: number; headers?: Record<string, string> } | undefined {
    if (req.method !== "POST")
      return {
        error: new ServerError(Status.UNIMPLEMENTED, `${path} takes POST, not ${req.method}`),
        status: 405,
        headers: { allow: "POST" },
      };
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (contentType !== PROTO_CONTENT_TYPE) {
      const error = new ServerError(
        Status.UNIMPLEMENTED,
        `content-type ${JSON.stringify(contentType)} is not supported; send ${PROTO_CONTENT_TYPE}`,
      );
      return { error, status: 415, headers: { "accept-post": PROTO_CONTENT_TYPE } };
    }
    const encoding = req.headers["content-encoding"];
    if (encoding !== undefined && encoding !== "identity")
      return { error: new ServerError(Status.UNIMPLEMENTED, `content-encoding ${encoding} is not supported`) };
    const version = req.headers[PROTOCOL_VERSION_HEADER];
    if (version !== undefined && version !== PROTOCOL_VERSION) {
      return {
        error: new ServerError(
          Status.INVALID_ARGUMENT,
          `${PROTOCOL_VERSION_HEADER} ${JSON.stringify(version)} is not supported; send ${PROTOCOL_VERSION}`,
        ),
      };
    }
    if (draining) return { error: new ServerError(Status.UNAVAILABLE, "netattachd is shutting down") };
    return undefined;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const route = routes.get(path);
    const refused =
      route === undefined
        ? { error: new ServerError(Status.UNIMPLEMENTED, `no unary method ${path}`), status: 404 }
        : refusal(req, path);
    const timeoutMs = parseTimeoutHeader(req.headers[TIMEOUT_HEADER] as string | undefined);
    if (refused !== undefined || route === undefined || timeoutMs instanceof Error) {
      req.resume(); // The body is not needed.
      if (refused !== undefined) return sendError(res, refused.error, refused);
      return sendError(
        res,
        new ServerError(Status.INVALID_ARGUMENT, timeoutMs instanceof Error ? timeoutMs.message : "no route"),
      );
    }
    const abort = new AbortController();
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs; // monotonic (call-deadline.ts)
    let settled = false;
    inFlight.add(abort);
    // The client went away before the answer: the call is cancelled, as for gRPC.
    res.once("close", () => settled || abort.abort());
    const timer =
      timeoutMs === undefined || timeoutMs > MAX_TIMER_MS
        ? undefined
        : setTimeout(() => {
            sendError(res, new ServerError(Status.DEADLINE_EXCEEDED, "Deadline exceeded"));
            abort.abort();
          }, timeoutMs);
    try {
      const body = await readBody(req, opts.maxMessageBytes);
      if (abort.signal.aborted) return;
      if (body instanceof ServerError) return sendError(res, body);
      let request: unknown;
      try {
        request = route.decode(body);
      } catch (err) {
        return sendError(
          res,
          new ServerError(
            Status.INVALID_ARGUMENT,
            `cannot decode the request of ${path}: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
      }
      const metadata = metadataOf(req.headers);
      putDeadline(metadata, deadline); // The domain budgets by the instant (caller-deadline.ts).
      const context: CallContext = {
        metadata,
        peer: req.socket.remoteAddress ? `${req.socket.remoteAddress}:${req.socket.remotePort}` : "unix:",
        header: Metadata(),
        trailer: Metadata(),
        sendHeader: () => undefined, // A unary response sends its headers with the message.
        signal: abort.signal,
      };
      try {
        const reply = route.encode(await route.call(request, context));
        send(
          res,
          200,
          { ...metadataHeaders(context.header, context.trailer), "content-type": PROTO_CONTENT_TYPE },
          reply,
        );
      } catch (err) {
        sendError(res, asServerError(err), { headers: metadataHeaders(context.header, context.trailer) });
      }
    } finally {
      settled = true;
      clearTimeout(timer);
      inFlight.delete(abort);
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch(() => res.destroy()); // Only a broken connection gets here.
  };
  return Object.assign(handler, {
    drain: () => void (draining = true),
    cancelAll: () => {
      for (const abort of inFlight) abort.abort();
    },
  });
}
