// One HTTP/1.1 POST to a path on a unix socket, the whole response collected: all the HTTP
// the shim's Connect client needs. In the shim's binary it is Bun's native fetch (its
// `unix` option), so no HTTP code of ours or node's is loaded; under node (tests, a node
// bundle) it is node:http. Both fail the same way when the socket cannot be connected:
// an Error reading "connect ENOENT /path" with `code`, as node words it.
import type { Agent } from "node:http";
import { CONNECT_ERRNOS } from "./socket-connect-error.js";

export interface HttpPostResponse {
  readonly status: number;
  /** Lower-case header name → value. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export type HttpPost = (
  socketPath: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  signal: AbortSignal,
) => Promise<HttpPostResponse>;

/** The slice of Bun's fetch used here: the standard one plus `unix`. */
export type UnixFetch = (
  url: string,
  init: {
    method: string;
    headers: Readonly<Record<string, string>>;
    body: Uint8Array;
    signal: AbortSignal;
    unix: string;
  },
) => Promise<Response>;

/** Bun says "ENOENT: Was there a typo in the url or port?"; say it as node does. */
function connectError(socketPath: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !CONNECT_ERRNOS.has(code)) return err;
  return Object.assign(new Error(`connect ${code} ${socketPath}`), {
    code,
    syscall: "connect",
    address: socketPath,
    cause: err,
  });
}

export function fetchPost(fetch: UnixFetch): HttpPost {
  return async (socketPath, path, headers, body, signal) => {
    let res: Response;
    try {
      res = await fetch(`http://localhost${path}`, { method: "POST", headers, body, signal, unix: socketPath });
    } catch (err) {
      throw connectError(socketPath, err);
    }
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: new Uint8Array(await res.arrayBuffer()),
    };
  };
}

/** node:http with a keep-alive agent of its own: calls one after another (ADD's retries) share a connection. */
export function nodeHttpPost(): HttpPost {
  let agent: Agent | undefined;
  return async (socketPath, path, headers, body, signal) => {
    const http = await import("node:http");
    agent ??= new http.Agent({ keepAlive: true });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath,
          path,
          method: "POST",
          headers: { ...headers, "content-length": String(body.length) },
          signal,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            // A body shorter than its content-length is a dropped connection, not a reply.
            if (!res.complete)
              return reject(
                Object.assign(new Error("the connection closed before the whole response arrived"), {
                  code: "ECONNRESET",
                }),
              );
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers as Record<string, string | undefined>,
              body: Buffer.concat(chunks),
            });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
