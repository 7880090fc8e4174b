import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { connect as connectHttp2, createServer as createHttp2Server, type Http2Server } from "node:http2";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { routeByProtocol, type ProtocolRouting } from "./protocol-listener.js";

let dir: string;
let socketPath: string;
let http: Server;
let http2: Http2Server;
let routing: ProtocolRouting;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "na-protocols-"));
  socketPath = join(dir, "both.sock");
  http = createServer((req, res) => res.end(`http/1.1 ${req.method} ${req.url}`));
  http2 = createHttp2Server();
  http2.on("stream", (stream, headers) => {
    stream.respond({ ":status": 200 });
    stream.end(`h2 ${headers[":path"]}`);
  });
  routing = routeByProtocol(http, (socket) => http2.emit("connection", socket));
  await new Promise<void>((resolve) => http.listen(socketPath, resolve));
});

afterEach(async () => {
  routing.destroyUndecided();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function http1(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, method: "POST", agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end("x");
  });
}

function h2(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2("http://localhost", { createConnection: () => connect(socketPath) });
    session.on("error", reject);
    const stream = session.request({ ":path": path, ":method": "POST" });
    let body = "";
    stream.on("data", (d: Buffer) => (body += d.toString()));
    stream.on("end", () => (session.close(), resolve(body)));
    stream.on("error", reject);
    stream.end("x");
  });
}

/** A raw connection: writes `parts` one by one (each its own write) and collects what comes back. */
async function raw(parts: string[]): Promise<{ socket: Socket; received: () => Buffer }> {
  const socket = connect(socketPath);
  let got = Buffer.alloc(0);
  socket.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
  await new Promise((resolve) => socket.once("connect", resolve));
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { socket, received: () => got };
}

describe("routeByProtocol", () => {
  it("serves HTTP/1.1 and HTTP/2 (prior knowledge) on one socket, each to its own server, body intact", async () => {
    expect(await http1("/one")).toBe("http/1.1 POST /one");
    expect(await h2("/two")).toBe("h2 /two");
    expect(await Promise.all([http1("/a"), h2("/b"), http1("/c")])).toEqual([
      "http/1.1 POST /a",
      "h2 /b",
      "http/1.1 POST /c",
    ]);
  });

  it("an HTTP/2 client that exits without closing its session leaves nothing open (node:http's sockets are half-open)", async () => {
    const settingsFrame = "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    const client = await raw([`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${settingsFrame}`]);
    await expect.poll(() => client.received().length).toBeGreaterThan(0);
    client.socket.end(); // What the kernel does for a process that exits.
    const open = (): Promise<number> =>
      new Promise((resolve, reject) => http.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    await expect.poll(open).toBe(0);
  });

  it("waits for the whole preface when it arrives in pieces, and for no more than one byte of HTTP/1.1", async () => {
    const settingsFrame = "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    const preface = await raw(["PRI * HT", `TP/2.0\r\n\r\nSM\r\n\r\n${settingsFrame}`]);
    await expect.poll(() => preface.received().length).toBeGreaterThanOrEqual(9);
    expect(preface.received()[3]).toBe(0x4); // The HTTP/2 server's SETTINGS.
    preface.socket.destroy();
    const post = await raw(["P", "OST /split HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"]);
    await expect.poll(() => post.received().toString()).toContain("http/1.1 POST /split");
  });

  it("closes a connection that leaves without a word at once (a liveness probe), so close() is not held up", async () => {
    const probe = connect(socketPath);
    await new Promise((resolve) => probe.once("connect", resolve));
    probe.end();
    await new Promise((resolve) => probe.once("close", resolve));
    const started = Date.now();
    await new Promise((resolve) => http.close(resolve));
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise<void>((resolve) => http.listen(socketPath, resolve)); // For afterEach.
  });

  it("destroyUndecided closes the connections that have not said which protocol they speak", async () => {
    const silent = connect(socketPath);
    await new Promise((resolve) => silent.once("connect", resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    routing.destroyUndecided();
    await new Promise((resolve) => silent.once("close", resolve));
  });

  it("refuses a server whose connection handling it does not recognise", () => {
    const odd = createServer();
    odd.on("connection", () => undefined);
    expect(() => routeByProtocol(odd, () => undefined)).toThrow(/2 connection listeners/);
  });
});
