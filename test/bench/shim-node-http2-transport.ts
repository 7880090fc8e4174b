// Benchmark only: gRPC unary calls over node:http2 (Bun's implementation, in the compiled
// shim) under the shim's generated client — side (b) of shim-overhead.ts's transport
// comparison. Enough of gRPC for calls that succeed or fail with a status; no error details
// and no connect-error classification (the benchmark's daemon is up and its calls succeed).
import { connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect } from "node:net";
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import type { UnaryTransport } from "../../client-cni/src/transport/connect-transport.js";

export function createNodeHttp2Transport(socketPath: string): UnaryTransport {
  let session: ClientHttp2Session | undefined;
  return {
    call: (path, request, options = {}) =>
      new Promise((resolve, reject) => {
        session ??= connect("http://localhost", { createConnection: () => netConnect(socketPath) }).on(
          "error",
          () => undefined,
        );
        const budget = options.deadline === undefined ? undefined : new Date(options.deadline).getTime() - Date.now();
        const stream = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
          ...(budget === undefined ? {} : { "grpc-timeout": `${Math.max(1, Math.ceil(budget))}m` }),
        });
        const chunks: Buffer[] = [];
        let status: number | undefined;
        let message = "";
        const statusFrom = (h: Record<string, unknown>): void => {
          if (h["grpc-status"] === undefined) return;
          status = Number(h["grpc-status"]);
          message = decodeURIComponent(String(h["grpc-message"] ?? ""));
        };
        stream.on("response", statusFrom);
        stream.on("trailers", statusFrom);
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", (err: Error) => reject(new ClientError(path, Status.UNAVAILABLE, err.message)));
        stream.on("end", () => {
          if (status !== Status.OK) return reject(new ClientError(path, (status ?? Status.UNKNOWN) as Status, message));
          resolve(Buffer.concat(chunks).subarray(5)); // One message after its 5-byte prefix.
        });
        const framed = Buffer.alloc(5 + request.length);
        framed.writeUInt32BE(request.length, 1);
        framed.set(request, 5);
        stream.end(framed);
      }),
  };
}
