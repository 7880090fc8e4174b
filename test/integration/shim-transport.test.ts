// The shim's Connect channel (client-cni/src/transport/connect-transport.ts, over node:http
// here; the built binary runs it over Bun's fetch in shim-commands/shim-errors) against a bare
// node:http server on a unix socket that answers the way a server or a proxy may: Connect
// errors with details, HTTP errors without them, wrong content types, dropped and closed
// connections, deadlines, a missing and a stale socket.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Status } from "nice-grpc-common";
import { ErrorInfo } from "nice-grpc-error-details";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createConnectTransport, type UnaryTransport } from "../../client-cni/src/transport/connect-transport.js";
import { nodeHttpPost } from "../../client-cni/src/transport/http-post.js";
import { SocketConnectError } from "../../client-cni/src/transport/socket-connect-error.js";

const PATH = "/netattach.v1.AttachmentService/GetStatus";
type Handler = (res: ServerResponse, headers: IncomingHttpHeaders, body: Buffer) => void;

let dir: string;
let socketPath: string;
let server: Server;
let handler: Handler;
let connections = 0;
const sockets = new Set<Socket>();
const seen: {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
  aborted: boolean;
}[] = [];
let transport: UnaryTransport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "na-shim-transport-"));
  socketPath = join(dir, "connect.sock");
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const record = { method: req.method, url: req.url, headers: req.headers, body: Buffer.alloc(0), aborted: false };
    seen.push(record);
    res.on("close", () => (record.aborted = !res.writableFinished));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(res, req.headers, (record.body = Buffer.concat(chunks))));
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy(); // Those a test left hanging on purpose.
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  seen.length = 0;
  connections = 0;
});

const proto =
  (reply: Buffer, headers: Record<string, string> = {}): Handler =>
  (res) => {
    res.writeHead(200, { "content-type": "application/proto", ...headers });
    res.end(reply);
  };
const connectError =
  (status: number, body: object): Handler =>
  (res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64").replace(/=+$/, "");
const newTransport = (path = socketPath): UnaryTransport => (transport = createConnectTransport(path, nodeHttpPost()));

describe("a unary call", () => {
  it("POSTs the message as the body with Connect's headers and a timeout, and returns the reply", async () => {
    handler = proto(Buffer.from("pong"));
    const reply = await newTransport().call(PATH, Buffer.from("ping"), { deadline: Date.now() + 5_000 });
    expect(Buffer.from(reply).toString()).toBe("pong");
    const [call] = seen;
    expect(call).toMatchObject({ method: "POST", url: PATH, body: Buffer.from("ping") });
    expect(call?.headers).toMatchObject({ "content-type": "application/proto", "connect-protocol-version": "1" });
    expect(Number(call?.headers["connect-timeout-ms"])).toBeGreaterThan(4_000);
    expect(call?.headers["connect-timeout-ms"]).toMatch(/^\d{1,10}$/);
  });

  it("reuses its connection for the next call (ADD's retries); no timeout header without a deadline", async () => {
    handler = proto(Buffer.alloc(0));
    newTransport();
    await transport.call(PATH, Buffer.alloc(0));
    await transport.call(PATH, Buffer.alloc(0));
    expect(connections).toBe(1);
    expect(seen[0]?.headers["connect-timeout-ms"]).toBeUndefined();
  });

  it("turns a Connect error into a RichClientError: code, message intact, ErrorInfo decoded", async () => {
    const info = ErrorInfo.fromPartial({ reason: "NOT_READY", domain: "netattach.dev", metadata: { cniCode: "11" } });
    handler = connectError(503, {
      code: "unavailable",
      message: "not ready: café 100% ‘x’",
      details: [{ type: "google.rpc.ErrorInfo", value: base64(ErrorInfo.encode(info).finish()) }],
    });
    const err = await newTransport()
      .call(PATH, Buffer.alloc(0))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      path: PATH,
      code: Status.UNAVAILABLE,
      details: "not ready: café 100% ‘x’",
      extra: [info],
    });
  });

  it("keeps a detail of another type as google.protobuf.Any, padded base64 accepted", async () => {
    const value = Buffer.from([1, 2, 3]).toString("base64");
    handler = connectError(400, {
      code: "failed_precondition",
      message: "m",
      details: [{ type: "example.Other", value }],
    });
    const err = await newTransport()
      .call(PATH, Buffer.alloc(0))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: Status.FAILED_PRECONDITION,
      extra: [{ typeUrl: "type.googleapis.com/example.Other" }],
    });
    expect([...((err as { extra: { value: Uint8Array }[] }).extra[0]?.value ?? [])]).toEqual([1, 2, 3]);
  });

  it.each<[string, Status, Handler]>([
    [
      "a Connect error without details",
      Status.NOT_FOUND,
      connectError(404, { code: "not_found", message: "no such attachment" }),
    ],
    ["HTTP 503 without a Connect error", Status.UNAVAILABLE, (res) => res.writeHead(503).end("busy")],
    [
      "HTTP 404 in text",
      Status.UNIMPLEMENTED,
      (res) => res.writeHead(404, { "content-type": "text/plain" }).end("not found"),
    ],
    ["a JSON error with a code Connect does not define", Status.UNKNOWN, connectError(500, { code: "exploded" })],
    [
      "200 in JSON instead of the binary reply",
      Status.INTERNAL,
      (res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    ],
    ["a compressed reply it did not ask for", Status.INTERNAL, proto(Buffer.from("x"), { "content-encoding": "gzip" })],
    [
      "a reply cut short",
      Status.UNAVAILABLE,
      (res) => (
        res.writeHead(200, { "content-type": "application/proto", "content-length": "10" }),
        res.write("abc"),
        res.socket?.destroy()
      ),
    ],
  ])("%s is code %i", async (_what, code, h) => {
    handler = h;
    await expect(newTransport().call(PATH, Buffer.alloc(0))).rejects.toMatchObject({ path: PATH, code });
  });

  it("sends and receives messages of 200 kB", async () => {
    const big = Buffer.alloc(200_000, 7);
    handler = (res, h, body) => proto(Buffer.concat([body, body]))(res, h, body);
    const reply = await newTransport().call(PATH, big);
    // .equals: a deep toEqual of 200 kB takes seconds.
    expect(seen[0]?.body.equals(big)).toBe(true);
    expect(Buffer.from(reply).equals(Buffer.concat([big, big]))).toBe(true);
  });

  it("a dropped connection is UNAVAILABLE, and the next call opens a new connection", async () => {
    handler = (res) => res.socket?.destroy();
    newTransport();
    await expect(transport.call(PATH, Buffer.alloc(0))).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      details: expect.stringContaining("Connection dropped"),
    });
    handler = proto(Buffer.from("again"));
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("again");
    expect(connections).toBe(2);
  });

  it("after a response that closes the connection, the next call opens a new one", async () => {
    handler = proto(Buffer.from("first"), { connection: "close" });
    newTransport();
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("first");
    handler = proto(Buffer.from("second"));
    expect(Buffer.from(await transport.call(PATH, Buffer.alloc(0))).toString()).toBe("second");
    expect(connections).toBe(2);
  });

  it("gives up at the deadline with DEADLINE_EXCEEDED and abandons the request, which the server sees", async () => {
    handler = () => undefined; // Never answers.
    // 1 s: the server must have seen the request before the deadline, also on a loaded machine.
    await expect(newTransport().call(PATH, Buffer.alloc(0), { deadline: Date.now() + 1000 })).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
    });
    await expect.poll(() => seen[0]?.aborted).toBe(true);
  });

  it("a deadline already past fails without connecting", async () => {
    await expect(newTransport().call(PATH, Buffer.alloc(0), { deadline: new Date(0) })).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
    });
    expect(connections).toBe(0);
  });
});

describe("a socket nobody serves", () => {
  it("is a SocketConnectError (UNAVAILABLE) that names the errno and the socket, in grpc-js's words", async () => {
    const absent = join(dir, "absent.sock");
    const err = await newTransport(absent)
      .call(PATH, Buffer.alloc(0))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketConnectError);
    expect(err).toMatchObject({
      code: Status.UNAVAILABLE,
      errno: "ENOENT",
      notListening: true,
      details: `No connection established. Last error: Error: connect ENOENT ${absent}`,
    });
  });

  it("a socket file left by a killed daemon refuses (ECONNREFUSED): not listening either", async () => {
    const stale = join(dir, "stale.sock");
    const script = `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`;
    await new Promise((resolve) => spawn(process.execPath, ["-e", script]).on("exit", resolve));
    const err = await newTransport(stale)
      .call(PATH, Buffer.alloc(0))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketConnectError);
    expect(err).toMatchObject({ errno: "ECONNREFUSED", notListening: true });
  });
});
