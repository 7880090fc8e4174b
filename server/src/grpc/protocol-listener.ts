// One socket, two protocols. A gRPC client opens its connection with the HTTP/2 preface
// ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", prior knowledge, no upgrade); the shim's Connect client
// speaks HTTP/1.1 (Bun's fetch reaches a unix socket only that way). The node:http server owns
// the listening socket, so its connection tracking, keep-alive handling and close() work as
// for any HTTP server; its connection listener is taken over, and each new connection goes,
// by its first bytes, to that listener or to the HTTP/2 side (grpc-js's connection injector).
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** A connection that has not shown which protocol it speaks by then is closed. */
const FIRST_BYTES_TIMEOUT_MS = 10_000;

export interface ProtocolRouting {
  /** Closes the connections still waiting for their first bytes (shutdown). */
  destroyUndecided(): void;
}

/**
 * Reads until the bytes either match the whole preface (HTTP/2) or stop matching it
 * (HTTP/1.1, whose first byte may be the preface's "P" of "POST"), then puts them back and
 * hands the paused socket on. Both node:http and node:http2 read what was put back.
 */
function sniff(socket: Socket, route: (http2: boolean) => void): void {
  let head: Buffer = Buffer.alloc(0);
  const close = (): void => void socket.destroy();
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, PREFACE.length);
    const http2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (http2 && n < PREFACE.length) return;
    socket.off("data", onData).off("end", close).off("error", close).off("timeout", close).setTimeout(0);
    socket.pause();
    socket.unshift(head);
    route(http2);
  };
  // "end": node:http servers allow half-open sockets, so a peer that leaves without a word
  // (a liveness probe) would otherwise keep its socket until the timeout.
  socket.on("data", onData).on("end", close).on("error", close).on("timeout", close).setTimeout(FIRST_BYTES_TIMEOUT_MS);
}

/** Routes `http`'s new connections: HTTP/2 to `toHttp2`, the rest to node:http as before. */
export function routeByProtocol(http: HttpServer, toHttp2: (socket: Socket) => void): ProtocolRouting {
  const listeners = http.listeners("connection");
  // node:http serves a connection from one 'connection' listener of its own; anything else
  // means node changed, and routing around it would be guesswork.
  if (listeners.length !== 1)
    throw new Error(`node:http has ${listeners.length} connection listeners, expected its own one`);
  const toHttp1 = listeners[0] as (this: HttpServer, socket: Socket) => void;
  const undecided = new Set<Socket>();
  http.removeAllListeners("connection");
  http.on("connection", (socket: Socket) => {
    undecided.add(socket);
    socket.once("close", () => undecided.delete(socket));
    sniff(socket, (http2) => {
      undecided.delete(socket);
      // node:http accepts half-open sockets and ends them itself; an HTTP/2 session expects the
      // default (end when the peer ends), or the connection of a client that exited would linger.
      if (http2) return toHttp2(Object.assign(socket, { allowHalfOpen: false }));
      toHttp1.call(http, socket);
      socket.resume();
    });
  });
  return {
    destroyUndecided: () => {
      for (const socket of undecided) socket.destroy();
    },
  };
}
