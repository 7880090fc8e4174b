// A throwaway self-signed certificate for the stand-in's HTTPS listener, made with the
// openssl CLI (Node cannot mint X.509 certificates). client-node refuses plain HTTP unless
// TLS checks are switched off, so the stand-in speaks HTTPS like a real API server.
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** `make` in a temporary directory, removed after: nothing is left in the host's temp dir. */
function inTempDir<T>(prefix: string, make: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return make(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let clientCa: StandInCert | undefined;

/** The CA the stand-in trusts for client certificates (PEM; one per test process). */
export function standInClientCa(): StandInCert {
  return (clientCa ??= inTempDir("kube-stand-in-ca-", (dir) => {
    makeCa(dir, "client-ca");
    return {
      cert: readFileSync(join(dir, "client-ca.pem"), "utf8"),
      key: readFileSync(join(dir, "client-ca.key"), "utf8"),
    };
  }));
}

/** A client certificate for user `cn`, signed by standInClientCa() (as a cluster's CA signs a kubelet's). */
export function standInClientCert(cn: string): StandInCert {
  const ca = standInClientCa();
  return inTempDir("kube-stand-in-client-", (dir) => {
    writeFileSync(join(dir, "client-ca.pem"), ca.cert);
    writeFileSync(join(dir, "client-ca.key"), ca.key, { mode: 0o600 });
    const pair = issue(dir, "client-ca", cn, "extendedKeyUsage=clientAuth\n");
    return { cert: pair.cert.toString("utf8"), key: pair.key.toString("utf8") };
  });
}
