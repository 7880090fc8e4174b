// A throwaway self-signed certificate for the stand-in's HTTPS listener, made with the
// openssl CLI (Node cannot mint X.509 certificates). client-node refuses plain HTTP unless
// TLS checks are switched off, so the stand-in speaks HTTPS like a real API server.
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

let clientCa: StandInCert | undefined;

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** The CA the stand-in trusts for client certificates (one per test process). */
export function standInClientCa(): StandInCert {
  if (clientCa) return clientCa;
  const dir = mkdtempSync(join(tmpdir(), "kube-stand-in-ca-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    openssl([
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
      "/CN=kube-stand-in-client-ca",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ]);
    clientCa = { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
    return clientCa;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client certificate for user `cn`, signed by standInClientCa() (as a cluster's CA signs a kubelet's). */
export function standInClientCert(cn: string): StandInCert {
  const ca = standInClientCa();
  const dir = mkdtempSync(join(tmpdir(), "kube-stand-in-client-"));
  try {
    const path = (f: string) => join(dir, f);
    writeFileSync(path("ca.pem"), ca.cert);
    writeFileSync(path("ca-key.pem"), ca.key, { mode: 0o600 });
    openssl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      path("key.pem"),
      "-out",
      path("csr.pem"),
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      path("csr.pem"),
      "-CA",
      path("ca.pem"),
      "-CAkey",
      path("ca-key.pem"),
      "-days",
      "2",
      "-out",
      path("cert.pem"),
    ]);
    return { cert: readFileSync(path("cert.pem"), "utf8"), key: readFileSync(path("key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
