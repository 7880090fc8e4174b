// A throwaway self-signed certificate for the stand-in's HTTPS listener, made with the
// openssl CLI (Node cannot mint X.509 certificates). client-node refuses plain HTTP unless
// TLS checks are switched off, so the stand-in speaks HTTPS like a real API server.
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issue, makeCa } from "../mtls.js";

export interface StandInCert {
  readonly cert: string;
  readonly key: string;
}

/**
 * This process's stand-ins listen on a loopback address of their own, not 127.0.0.1: up() after
 * down() must get its port back, and on 127.0.0.1 another test file's listener may take it meanwhile.
 */
export const STAND_IN_HOST = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

let cached: StandInCert | undefined;

/** One certificate per test process (valid for STAND_IN_HOST, 127.0.0.1 and localhost). */
export function standInCert(): StandInCert {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "kube-stand-in-tls-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=kube-stand-in",
        "-addext",
        `subjectAltName=IP:${STAND_IN_HOST},IP:127.0.0.1,DNS:localhost`,
        "-keyout",
        keyPath,
        "-out",
        certPath,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    cached = { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let clientCaDir: string | undefined;

/** A directory holding the client CA (client-ca.pem, client-ca.key) for this process. */
function clientCaDirectory(): string {
  if (clientCaDir) return clientCaDir;
  const dir = mkdtempSync(join(tmpdir(), "kube-stand-in-ca-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  makeCa(dir, "client-ca");
  return (clientCaDir = dir);
}

/** The CA the stand-in trusts for client certificates (PEM; one per test process). */
export function standInClientCa(): string {
  return readFileSync(join(clientCaDirectory(), "client-ca.pem"), "utf8");
}

/** A client certificate for user `cn`, signed by standInClientCa() (as a cluster's CA signs a kubelet's). */
export function standInClientCert(cn: string): StandInCert {
  const pair = issue(clientCaDirectory(), "client-ca", cn, "extendedKeyUsage=clientAuth\n");
  return { cert: pair.cert.toString("utf8"), key: pair.key.toString("utf8") };
}
