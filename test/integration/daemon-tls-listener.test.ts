// The daemon's TCP listener (mutual TLS) from the outside: netattachctl reaches it by IP address
// without a Node warning on stderr.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeService, startDaemonWith, type TestDaemon } from "../helpers/daemon.js";
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
