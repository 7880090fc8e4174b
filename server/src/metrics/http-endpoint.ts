// The daemon's HTTP listener for Prometheus and the kubelet's probes: GET /metrics, /healthz
// (the process answers) and /readyz (the daemon is ready: the same verdict as grpc.health).
// Loopback by default: with hostNetwork, the DaemonSet's probes reach it at 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export interface HttpEndpointOptions {
  /** host:port ("[::1]:9651" for IPv6); port 0 = any free port. */
  readonly address: string;
  readonly scrape: () => Promise<{ contentType: string; body: string }>;
  readonly ready: () => boolean;
  readonly log: Logger;
}

export interface HttpEndpoint {
  /** Resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(address.slice(at + 1)) };
}

export function createHttpEndpoint(opts: HttpEndpointOptions): HttpEndpoint {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.warn({ err, path: req.url }, "metrics endpoint failed to answer");
      if (!res.headersSent) reply(res, 500, "text/plain", "error collecting metrics\n");
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The request target as sent, up to any query: `new URL` throws on "//" and would make that a 500.
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "text/plain", "only GET\n");
    switch (path) {
      case "/metrics": {
        const { contentType, body } = await opts.scrape();
        return reply(res, 200, contentType, body);
      }
      case "/healthz":
        return reply(res, 200, "text/plain", "ok\n");
      case "/readyz":
        return opts.ready()
          ? reply(res, 200, "text/plain", "ok\n")
          : reply(res, 503, "text/plain", "not ready (netattachctl status says why)\n");
      default:
        return reply(res, 404, "text/plain", "not found: /metrics, /healthz, /readyz\n");
    }
  }

  return {
    start: () =>
      new Promise((resolve, reject) => {
        const { host, port } = splitHostPort(opts.address);
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
