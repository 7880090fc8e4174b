// The TCP listener's PEM files are checked when netattachd starts: a file that can never work
// stops it with one line naming the key; a certificate outside its validity is a warning.
import { X509Certificate } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readTlsFiles } from "../../server/src/config/index.js";
import { spawnDaemonProcess, tempDir, type DaemonProcess } from "../helpers/daemon.js";
import { makeMtlsFiles, type MtlsFiles } from "../helpers/mtls.js";
import { writeNoopCluster } from "./noop-cluster.test-helper.js";

let certs: MtlsFiles;
let dir: string;
const procs: DaemonProcess[] = [];
beforeAll(async () => {
  certs = makeMtlsFiles();
  dir = await tempDir("na-tls-");
  await writeNoopCluster(dir);
});
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});
afterAll(async () => {
  certs?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const pem = (name: string): string => join(certs.dir, name);
const files = (over: Partial<Record<"certFile" | "keyFile" | "clientCaFile", string>> = {}) => ({
  certFile: pem("server.pem"),
  keyFile: pem("server.key"),
  clientCaFile: pem("ca.pem"),
  ...over,
});

async function startWith(tls: ReturnType<typeof files>): Promise<{ code: number | null; fatal: unknown[] }> {
  const run = spawnDaemonProcess(
    [
      "--cluster-network",
      "c",
      "--cni-conf-dir",
      join(dir, "net.d"),
      "--cni-bin-dir",
      join(dir, "bin"),
      "--state-dir",
      join(dir, "state"),
      "--socket",
      join(dir, "n.sock"),
      "--metrics-listen",
      "",
      "--tcp-listen",
      "127.0.0.1:0",
      "--tls-cert",
      tls.certFile,
      "--tls-key",
      tls.keyFile,
      "--tls-client-ca",
      tls.clientCaFile,
    ],
    { ...process.env, NODE_NAME: "" },
  );
  procs.push(run);
  const code = await run.exited;
  const fatal = run
    .stdout()
    .split("\n")
    .filter((l) => l.includes('"level":60'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, fatal };
}

describe("netattachd's TLS files", () => {
  it.each([
    [
      "a clientCaFile holding no certificate",
      { clientCaFile: "client.key" },
      "tls.clientCaFile %c holds no PEM certificate",
    ],
    [
      "a keyFile of another certificate",
      { keyFile: "client.key" },
      "tls.keyFile %k is not the private key of tls.certFile %s",
    ],
    ["a keyFile holding no key", { keyFile: "ca.pem" }, "tls.keyFile %k holds no private key (PEM)"],
    ["a certFile holding no certificate", { certFile: "server.key" }, "tls.certFile %s holds no PEM certificate"],
  ])("%s stops the start-up with one line naming the key", async (_what, over, expected) => {
    const tls = files(Object.fromEntries(Object.entries(over).map(([k, name]) => [k, pem(name)])));
    const message = expected.replace("%c", tls.clientCaFile).replace("%k", tls.keyFile).replace("%s", tls.certFile);
    const { code, fatal } = await startWith(tls);
    expect(code).toBe(1);
    expect(fatal).toEqual([expect.objectContaining({ code: "TLS_INVALID", msg: expect.stringContaining(message) })]);
  });

  it("an expired or not yet valid certificate is a warning naming the file, not a refusal", async () => {
    const server = new X509Certificate(certs.server.cert);
    const after = new Date(Date.parse(server.validTo) + 86_400_000);
    const expired = await readTlsFiles(files(), after);
    expect(expired.warnings).toContain(
      `tls.certFile ${pem("server.pem")} expired on ${server.validTo}: every TLS client is refused until it is replaced`,
    );
    expect(
      expired.warnings.some((w) => w.startsWith(`certificate 1 of tls.clientCaFile ${pem("ca.pem")} expired`)),
    ).toBe(true);
    const before = await readTlsFiles(files(), new Date(Date.parse(server.validFrom) - 86_400_000));
    expect(before.warnings[0]).toBe(
      `tls.certFile ${pem("server.pem")} is not valid before ${server.validFrom}: TLS clients are refused until then`,
    );
    expect((await readTlsFiles(files(), new Date())).warnings).toEqual([]);
  });
});
