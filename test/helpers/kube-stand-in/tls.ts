// A throwaway self-signed certificate for the stand-in's HTTPS listener, made with the
// openssl CLI (Node cannot mint X.509 certificates). client-node refuses plain HTTP unless
// TLS checks are switched off, so the stand-in speaks HTTPS like a real API server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StandInCert {
  readonly cert: string;
  readonly key: string;
}

let cached: StandInCert | undefined;

/** One certificate per test process (valid for 127.0.0.1 and localhost). */
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
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
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
