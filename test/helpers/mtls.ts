// Throwaway certificates for mutual-TLS tests, made with the openssl CLI as docs/tls.md tells
// operators to: a CA, a server certificate for 127.0.0.1/localhost, and client certificates
// (one from the CA, one from a CA the daemon does not trust).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface MtlsFiles {
  /** A directory holding ca.pem, server.pem, server.key (what the daemon's tls config names). */
  readonly dir: string;
  readonly ca: Buffer;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** Signed by another CA: the daemon must refuse it. */
  readonly rogueClient: KeyPair;
  cleanup(): void;
}

const openssl = (args: string[], cwd: string): void =>
  void execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });

/** A self-signed CA in `dir`: `<name>.pem` and `<name>.key`. */
export function makeCa(dir: string, name: string): void {
  openssl(
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
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
    ],
    dir,
  );
}

/** A certificate for CN `name` signed by CA `ca` of `dir`, with the extensions `ext`. */
export function issue(dir: string, ca: string, name: string, ext: string): KeyPair {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    ],
    dir,
  );
  return { cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}.key`)) };
}

export function makeMtlsFiles(): MtlsFiles {
  const dir = mkdtempSync(join(tmpdir(), "na-mtls-"));
  makeCa(dir, "ca");
  makeCa(dir, "rogue-ca");
  const server = issue(dir, "ca", "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  const client = issue(dir, "ca", "client", "extendedKeyUsage=clientAuth\n");
  const rogueClient = issue(dir, "rogue-ca", "rogue", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    ca: readFileSync(join(dir, "ca.pem")),
    server,
    client,
    rogueClient,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
