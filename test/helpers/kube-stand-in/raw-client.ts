// A bare HTTPS client for testing the stand-in's wire protocol without client-node.
import { request } from "node:https";
import { createInterface } from "node:readline";
import { standInCert } from "./tls.js";
import type { KubeStandIn } from "./kube-stand-in.js";

export interface RawResponse {
  readonly status: number;
  readonly body: unknown;
}

export function rawRequest(
  s: KubeStandIn,
  method: string,
  path: string,
  opts: { token?: string | null; body?: string; contentType?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? s.token : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.contentType) headers["content-type"] = opts.contentType;
    const req = request(`${s.url}${path}`, { method, headers, ca: standInCert().cert }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") }),
      );
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export interface RawWatch {
  readonly status: number;
  /** Events received so far (type + object). */
  readonly events: Array<{
    type: string;
    object: { metadata?: { name?: string; resourceVersion?: string }; code?: number };
  }>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function rawWatch(s: KubeStandIn, path: string): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.url}${path}`,
      { headers: { authorization: `Bearer ${s.token}` }, ca: standInCert().cert },
      (res) => {
        const events: RawWatch["events"] = [];
        const ended = new Promise<void>((done) => res.on("close", () => done()));
        // Closed under us (close(), down()): `ended` reports it; readline re-emits the error too.
        res.on("error", () => {});
        const lines = createInterface(res);
        lines.on("error", () => {});
        lines.on("line", (line) => events.push(JSON.parse(line)));
        resolve({ status: res.statusCode ?? 0, events, ended, close: () => req.destroy() });
      },
    );
    req.on("error", reject);
    req.end();
  });
}
