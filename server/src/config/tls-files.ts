// The TCP listener's PEM files, read and checked at start-up: a file that can never work is a
// start-up error naming its key, not a handshake every client loses later with a message about
// the daemon being down. Dates only warn: the unix socket (the shim's way in) still works, and
// a certificate that is not yet valid may be by the time a client calls.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { StartupError } from "../errors/startup-error.js";
import type { TlsConfig } from "./daemon-config.js";

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa: Buffer;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Throws StartupError for a file that can never work; returns a warning per certificate outside its validity. */
export async function readTlsFiles(tls: TlsConfig, now: Date): Promise<{ material: TlsMaterial; warnings: string[] }> {
  const read = async (key: keyof TlsConfig): Promise<Buffer> => {
    try {
      return await readFile(tls[key]);
    } catch (err) {
      throw new StartupError(
        "TLS_UNREADABLE",
        `cannot read tls.${key} ${tls[key]}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { cause: err },
      );
    }
  };
  const material = { cert: await read("certFile"), key: await read("keyFile"), clientCa: await read("clientCaFile") };
  const [server] = certificates(material.cert, "certFile", tls);
  let key;
  try {
    key = createPrivateKey(material.key);
  } catch (err) {
    throw invalid(`tls.keyFile ${tls.keyFile} holds no private key (PEM): ${(err as Error).message}`, err);
  }
  if (!server!.checkPrivateKey(key))
    throw invalid(`tls.keyFile ${tls.keyFile} is not the private key of tls.certFile ${tls.certFile}`);
  const warnings = [
    ...outOfDate(server!, `tls.certFile ${tls.certFile}`, now),
    ...certificates(material.clientCa, "clientCaFile", tls).flatMap((ca, i) =>
      outOfDate(ca, `certificate ${i + 1} of tls.clientCaFile ${tls.clientCaFile}`, now),
    ),
  ];
  return { material, warnings };
}

/** Every PEM certificate in the file, parsed; at least one. */
function certificates(pem: Buffer, key: "certFile" | "clientCaFile", tls: TlsConfig): X509Certificate[] {
  const blocks = pem.toString("latin1").match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalid(`tls.${key} ${tls[key]} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw invalid(`certificate ${i + 1} of tls.${key} ${tls[key]} cannot be parsed: ${(err as Error).message}`, err);
    }
  });
}

function outOfDate(cert: X509Certificate, what: string, now: Date): string[] {
  if (now.getTime() > Date.parse(cert.validTo))
    return [`${what} expired on ${cert.validTo}: every TLS client is refused until it is replaced`];
  if (now.getTime() < Date.parse(cert.validFrom))
    return [`${what} is not valid before ${cert.validFrom}: TLS clients are refused until then`];
  return [];
}

const invalid = (message: string, cause?: unknown): StartupError =>
  new StartupError("TLS_INVALID", message, cause === undefined ? undefined : { cause });
