// The TCP listener: a node:tls server (mutual TLS, ALPN h2) whose authorised connections go to
// grpc-js's connection injector, as the unix socket's HTTP/2 connections do. The daemon owns the
// TLS server, not grpc-js, so that every refused connection is seen with its peer and reason
// (refused-handshakes.ts): grpc-js's own secure server drops a client certificate of another CA
// without a word. The certificate is checked here (rejectUnauthorized is off for that), and a
// connection that fails the check is closed before a byte of HTTP/2 is read from it.
import type { AddressInfo, Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import type { TlsMaterial } from "../config/index.js";
import { splitHostPort } from "../metrics/index.js";
import type { RefusedHandshakes } from "./refused-handshakes.js";

export interface TlsListener {
  /** Resolves with the bound port. */
  listen(address: string): Promise<number>;
  /** Stops accepting; resolves once every connection it accepted has closed. */
  close(): Promise<void>;
  /** Destroys every connection, handshakes still running included. */
  destroyAll(): void;
}

/**
 * Bounds on what anyone who reaches the port can hold without a certificate: a handshake gets
 * HANDSHAKE_TIMEOUT_MS (Node's default is 120 s), and the listener holds at most MAX_CONNECTIONS
 * (operators' tools and a few runtimes need a handful; the shim uses the unix socket).
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const MAX_CONNECTIONS = 256;

/** Handshake errors of a peer that went away (a TCP probe, a client that gave up): nothing was refused. */
const PEER_LEFT = new Set(["ECONNRESET", "EPIPE"]);

/** What an operator reads for the handshake failures clients cause most. */
const REASONS: Readonly<Record<string, string>> = {
  ERR_SSL_WRONG_VERSION_NUMBER: "not TLS (a plaintext client?)",
  ERR_SSL_HTTP_REQUEST: "not TLS (a plaintext HTTP request)",
  ERR_SSL_NO_APPLICATION_PROTOCOL: "the client does not offer HTTP/2 (ALPN h2)",
  ERR_TLS_HANDSHAKE_TIMEOUT: "the handshake did not finish in time",
};

export function createTlsListener(
  tls: TlsMaterial,
  accept: (socket: TLSSocket) => void,
  refusals: RefusedHandshakes,
): TlsListener {
  const server = createServer({
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: ["h2"],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on("drop", (data?: { remoteAddress?: string; remotePort?: number }) =>
    refusals.refused(
      peerOf({ remoteAddress: data?.remoteAddress, remotePort: data?.remotePort }),
      `over the listener's ${MAX_CONNECTIONS} connections`,
    ),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (raw: Socket) => {
    sockets.add(raw);
    raw.once("close", () => sockets.delete(raw));
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const refusal = unauthorized(socket);
    if (refusal === undefined) return accept(socket);
    refusals.refused(peerOf(socket), refusal);
    socket.destroy();
  });
  server.on("tlsClientError", (err: NodeJS.ErrnoException & { reason?: string }, socket: TLSSocket) => {
    const peer = peerOf(socket);
    // Node leaves the socket open to whoever listens for this event (a timed-out handshake included).
    socket.destroy();
    if (err.code !== undefined && PEER_LEFT.has(err.code)) return;
    refusals.refused(peer, (err.code && REASONS[err.code]) ?? err.reason ?? err.code ?? err.message);
  });

  return {
    listen: (address) =>
      new Promise((resolve, reject) => {
        const { host, port } = splitHostPort(address);
        server.once("error", reject).listen({ host: host === "" ? undefined : host, port }, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
    destroyAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

/** Why an established TLS connection may not reach the API, or undefined when it may. */
function unauthorized(socket: TLSSocket): string | undefined {
  if (!socket.authorized) {
    // An empty object: the client sent no certificate at all.
    if (Object.keys(socket.getPeerCertificate()).length === 0) return "no client certificate";
    return `the client certificate does not verify against tls.clientCaFile (${String(socket.authorizationError)})`;
  }
  // A client that offers no ALPN gets no protocol: it is not speaking gRPC.
  if (socket.alpnProtocol !== "h2") return "the client does not offer HTTP/2 (ALPN h2)";
  return undefined;
}

function peerOf(socket: {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}): string {
  const { remoteAddress: address, remotePort: port } = socket;
  if (address === undefined) return "unknown";
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
