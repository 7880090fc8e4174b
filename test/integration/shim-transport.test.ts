// The shim's lean gRPC channel (client-cni/src/unary-transport.ts) against a bare
// node:http2 server on a unix socket that answers the way a gRPC server may: framing,
// grpc-timeout, trailers-only errors, percent-encoded messages, status details, HTTP
// errors, resets, deadlines and a missing socket. (The built binary, running in Bun, is
// tested against the real daemon shell in shim-commands/shim-errors.)
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Status } from "nice-grpc-common";
import { ErrorInfo } from "nice-grpc-error-details/lib/proto/google/rpc/error_details.js";
import { Status as RpcStatus } from "nice-grpc-error-details/lib/proto/google/rpc/status.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectError } from "../../client-cni/src/transport/connect-error.js";
import { createUnaryTransport, type UnaryTransport } from "../../client-cni/src/transport/unary-transport.js";

const PATH = "/netattach.v1.AttachmentService/GetStatus";
type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void;

function frame(msg: Buffer, flag = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(msg.length, 1);
  return Buffer.concat([prefix, msg]);
}

let dir: string;
let socketPath: string;
let server: Http2Server;
let handler: Handler;
let sessions = 0;
const open = new Set<ServerHttp2Session>();
const seen: { headers: IncomingHttpHeaders; body: Buffer; cancelled: boolean }[] = [];
let transport: UnaryTransport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "na-shim-transport-"));
  socketPath = join(dir, "grpc.sock");
  server = createServer();
  server.on("session", (session) => {
    sessions++;
    open.add(session);
    session.on("close", () => open.delete(session));
  });
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    const record = { headers, body: Buffer.alloc(0), cancelled: false };
    seen.push(record);
    stream.on("error", () => undefined); // Resets the tests provoke.
    stream.on("close", () => (record.cancelled = stream.rstCode === 8));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => handler(stream, headers, (record.body = Buffer.concat(chunks))));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  for (const session of open) session.destroy(); // Those a test left hanging on purpose.
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  transport?.close();
  seen.length = 0;
  sessions = 0;
});

/** Headers, `body` as sent (already framed), then OK trailers. */
const okWithBody = (body: Buffer): Handler => (stream) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "OK" }));
  stream.end(body);
};
const ok = (reply: Buffer): Handler => okWithBody(frame(reply));

describe("a unary call", () => {
  it("sends one framed message with the gRPC headers and a grpc-timeout, and returns the one reply", async () => {
    handler = ok(Buffer.from("pong"));
    transport = createUnaryTransport(socketPath);
    const reply = await transport.call(PATH, Buffer.from("ping"), { deadline: Date.now() + 5_000 });
    expect(Buffer.from(reply).toString()).toBe("pong");
    const [call] = seen;
    expect(call?.headers).toMatchObject({ ":method": "POST", ":path": PATH, "content-type": "application/grpc", te: "trailers" });
    expect(call?.headers["grpc-timeout"]).toMatch(/^\d{1,8}m$/);
    expect(call?.body).toEqual(frame(Buffer.from("ping")));
  });

  it("reuses its connection for the next call (ADD's retries)", async () => {
    handler = ok(Buffer.alloc(0));
    transport = createUnaryTransport(socketPath);
    await transport.call(PATH, Buffer.alloc(0));
    await transport.call(PATH, Buffer.alloc(0));
    expect(sessions).toBe(1);
    expect(seen[0]?.headers["grpc-timeout"]).toBeUndefined();
  });

  it("turns a trailers-only error into a RichClientError: percent-decoded message, decoded ErrorInfo", async () => {
    const info = ErrorInfo.fromPartial({ reason: "NOT_READY", domain: "netattach.dev", metadata: { cniCode: "11" } });
    const details = RpcStatus.encode(RpcStatus.fromPartial({ code: 14, details: [{ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: ErrorInfo.encode(info).finish() }] })).finish();
    handler = (stream) =>
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "14", "grpc-message": "not ready: caf%C3%A9 100%25", "grpc-status-details-bin": Buffer.from(details).toString("base64") },
        { endStream: true },
      );
    transport = createUnaryTransport(socketPath);
    const err = await transport.call(PATH, Buffer.alloc(0)).catch((e: unknown) => e);
    expect(err).toMatchObject({ path: PATH, code: Status.UNAVAILABLE, details: "not ready: café 100%", extra: [info] });
  });

  it("reads an error status from trailers that follow headers", async () => {
    handler = (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "5", "grpc-message": "no such attachment" }));
      stream.end();
    };
    transport = createUnaryTransport(socketPath);
    await expect(transport.call(PATH, Buffer.alloc(0))).rejects.toMatchObject({ code: Status.NOT_FOUND, details: "no such attachment" });
  });

  it.each<[string, Status, Handler]>([
    ["HTTP 503 without grpc-status", Status.UNAVAILABLE, (s) => s.respond({ ":status": 503 }, { endStream: true })],
    ["a reset without status (REFUSED_STREAM)", Status.UNAVAILABLE, (s) => s.close(7)],
    ["OK without a message", Status.INTERNAL, (s) => s.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "0" }, { endStream: true })],
    ["two messages", Status.INTERNAL, okWithBody(Buffer.concat([frame(Buffer.from("a")), frame(Buffer.from("b"))]))],
    ["a compressed message", Status.INTERNAL, okWithBody(frame(Buffer.from("x"), 1))],
    ["a truncated message", Status.INTERNAL, okWithBody(frame(Buffer.from("xyz")).subarray(0, 6))],
  ])("%s is code %i", async (_what, code, h) => {
    handler = h;
    transport = createUnaryTransport(socketPath);
    await expect(transport.call(PATH, Buffer.alloc(0))).rejects.toMatchObject({ path: PATH, code });
  });

  it("sends and receives messages larger than a frame and than the default flow-control window", async () => {
    const big = Buffer.alloc(200_000, 7);
    handler = (stream, _h, body) => ok(Buffer.concat([body.subarray(5), body.subarray(5)]))(stream, _h, body);
    transport = createUnaryTransport(socketPath);
    const reply = await transport.call(PATH, big);
    // .equals: a deep toEqual of 200 kB takes seconds.
    expect(seen[0]?.body.equals(frame(big))).toBe(true);
    expect(Buffer.from(reply).equals(Buffer.concat([big, big]))).toBe(true);
  });

  it("answers the server's PING before it answers the call", async () => {
    handler = (stream) => stream.session?.ping((err) => (err ? stream.close(2) : ok(Buffer.from("pong"))(stream, {}, Buffer.alloc(0))));
    transport = createUnaryTransport(socketPath);
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("pong");
  });

  it("a dropped connection is UNAVAILABLE, and the next call opens a new connection", async () => {
    handler = (stream) => stream.session?.destroy();
    transport = createUnaryTransport(socketPath);
    await expect(transport.call(PATH, Buffer.alloc(0))).rejects.toMatchObject({ code: Status.UNAVAILABLE, details: expect.stringContaining("Connection dropped") });
    handler = ok(Buffer.from("again"));
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("again");
    expect(sessions).toBe(2);
  });

  it("after the server's GOAWAY the next call opens a new connection", async () => {
    handler = (stream, h, body) => (ok(Buffer.from("first"))(stream, h, body), stream.session?.goaway(0));
    transport = createUnaryTransport(socketPath);
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("first");
    handler = ok(Buffer.from("second"));
    await new Promise((resolve) => setTimeout(resolve, 50)); // Let the GOAWAY arrive.
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("second");
    expect(sessions).toBe(2);
  });

  it("gives up at the deadline with DEADLINE_EXCEEDED and cancels the stream", async () => {
    handler = () => undefined; // Never answers.
    transport = createUnaryTransport(socketPath);
    await expect(transport.call(PATH, Buffer.alloc(0), { deadline: Date.now() + 100 })).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect.poll(() => seen[0]?.cancelled).toBe(true);
  });

  it("a deadline already past fails without connecting", async () => {
    transport = createUnaryTransport(socketPath);
    await expect(transport.call(PATH, Buffer.alloc(0), { deadline: new Date(0) })).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    expect(sessions).toBe(0);
  });
});

describe("a socket nobody serves", () => {
  it("is a ConnectError (UNAVAILABLE) that names the errno and the socket, in grpc-js's words", async () => {
    transport = createUnaryTransport(join(dir, "absent.sock"));
    const err = await transport.call(PATH, Buffer.alloc(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).toMatchObject({ code: Status.UNAVAILABLE, errno: "ENOENT", notListening: true, details: `No connection established. Last error: Error: connect ENOENT ${join(dir, "absent.sock")}` });
  });
});
