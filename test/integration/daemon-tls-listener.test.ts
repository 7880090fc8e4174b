// The daemon's TCP listener (mutual TLS) from the outside: each connection it refuses is one
// warning naming the peer and the reason (a port probe is none); netattachctl reaches it by IP
// address without a Node warning on stderr.
import { connect as tcpConnect, type Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { HANDSHAKE_TIMEOUT_MS, MAX_CONNECTIONS } from "../../server/src/grpc/tls-listener.js";
import { createFakeService, startDaemonWith, type LogLine, type TestDaemon } from "../helpers/daemon.js";
import { makeMtlsFiles, type MtlsFiles } from "../helpers/mtls.js";
import { runNetattachctl } from "../helpers/netattachctl.js";

let certs: MtlsFiles;
let d: TestDaemon;
beforeAll(async () => {
  certs = makeMtlsFiles();
  d = await startDaemonWith(createFakeService({ status: { ready: true, reasons: [] } }), {
    tcpListen: "127.0.0.1:0",
    tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
  });
});
afterAll(async () => {
  await d?.stop();
  certs?.cleanup();
});

/** Connects, and resolves with the local port once the daemon has closed the connection. */
function refusedTls(over: ConnectionOptions): Promise<number> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port: d.tcpPort, ca: certs.ca, ALPNProtocols: ["h2"], ...over });
    let port = 0;
    socket.on("connect", () => (port = socket.localPort ?? 0)).on("error", () => undefined);
    socket.on("close", () => resolve(port));
  });
}

function rawTcp(bytes: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = tcpConnect(d.tcpPort!, "127.0.0.1", () => (bytes === "" ? socket.end() : socket.write(bytes)));
    let port = 0;
    socket.on("connect", () => (port = socket.localPort ?? 0)).on("error", () => undefined);
    socket.on("close", () => resolve(port));
  });
}

const refusals = (): LogLine[] => d.logs.filter((l) => l.msg === "refused a TLS connection on the TCP listener");

describe("the TCP listener's refused connections", () => {
  it("logs one warning per refused connection with the peer and the reason; a port probe logs nothing", async () => {
    const before = refusals().length;
    const probe = await rawTcp("");
    const anonymous = await refusedTls({});
    const rogue = await refusedTls(certs.rogueClient);
    const plaintext = await rawTcp("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const noAlpn = await refusedTls({ ...certs.client, ALPNProtocols: [] });
    const expected = [
      [anonymous, "no client certificate"],
      [rogue, "the client certificate does not verify against tls.clientCaFile (UNABLE_TO_VERIFY_LEAF_SIGNATURE)"],
      [plaintext, "not TLS (a plaintext client?)"],
      [noAlpn, "the client does not offer HTTP/2 (ALPN h2)"],
    ].map(([port, reason]) => ({ level: 40, peer: `127.0.0.1:${port}`, reason }));
    await vi.waitFor(() => expect(refusals().slice(before)).toHaveLength(expected.length));
    expect(refusals().slice(before)).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(refusals().some((l) => l.peer === `127.0.0.1:${probe}`)).toBe(false);
  });
});

describe("the TCP listener's bounds", () => {
  it(`closes a connection whose handshake has not finished in ${HANDSHAKE_TIMEOUT_MS} ms, and logs it`, async () => {
    const before = refusals().length;
    const silent = tcpConnect(d.tcpPort!, "127.0.0.1");
    silent.on("error", () => undefined);
    const port = await new Promise<number>((r) => silent.once("connect", () => r(silent.localPort!)));
    const closed = new Promise<number>((r) => silent.once("close", () => r(Date.now())));
    const t0 = Date.now();
    expect((await closed) - t0).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 5_000);
    expect(refusals().slice(before)).toEqual([
      expect.objectContaining({ peer: `127.0.0.1:${port}`, reason: "the handshake did not finish in time" }),
    ]);
  }, 30_000);

  it(`holds at most ${MAX_CONNECTIONS} connections: one more is closed at once and logged with its peer`, async () => {
    const before = refusals().length;
    const held: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const s = tcpConnect(d.tcpPort!, "127.0.0.1");
        s.on("error", () => undefined);
        held.push(s);
        await new Promise((r) => s.once("connect", r));
      }
      // The last accepted one: the listener counts it once its connection event ran.
      await new Promise((r) => setTimeout(r, 200));
      const dropped = await rawTcp("");
      await vi.waitFor(() => expect(refusals().slice(before)).toHaveLength(1));
      expect(refusals().slice(before)[0]).toMatchObject({
        peer: `127.0.0.1:${dropped}`,
        reason: `over the listener's ${MAX_CONNECTIONS} connections`,
      });
      expect(held.every((s) => !s.destroyed)).toBe(true);
    } finally {
      held.forEach((s) => s.destroy());
    }
  });
});

describe("netattachctl over the TCP listener", () => {
  it("dials an IP address without setting it as the TLS ServerName (no DEP0123 warning on stderr)", async () => {
    const run = await runNetattachctl([
      "status",
      "--socket",
      `127.0.0.1:${d.tcpPort}`,
      "--certificate-authority",
      join(certs.dir, "ca.pem"),
      "--client-certificate",
      join(certs.dir, "client.pem"),
      "--client-key",
      join(certs.dir, "client.key"),
      "-o",
      "json",
    ]);
    expect(run.stderr).not.toContain("DEP0123");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toMatchObject({ ready: true });
  });
});
