// A kubeconfig for the stand-in: server URL, its CA, a bearer token or client certificate files. Clients load it like
// any other kubeconfig and cannot tell they talk to a stand-in.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface KubeconfigParams {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
  /** Authenticate with these client certificate and key files instead of the token. */
  readonly clientCertificate?: { readonly certFile: string; readonly keyFile: string };
  /** Name this file (client-go's `tokenFile`) instead of writing the token inline. */
  readonly tokenFile?: string;
}

export function kubeconfigYaml(p: KubeconfigParams): string {
  const ca = Buffer.from(p.caPem).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: stand-in",
    "  cluster:",
    `    server: ${p.server}`,
    `    certificate-authority-data: ${ca}`,
    "users:",
    "- name: stand-in-user",
    "  user:",
    ...(p.clientCertificate
      ? [`    client-certificate: ${p.clientCertificate.certFile}`, `    client-key: ${p.clientCertificate.keyFile}`]
      : [p.tokenFile === undefined ? `    token: ${p.token}` : `    tokenFile: ${p.tokenFile}`]),
    "contexts:",
    "- name: stand-in",
    "  context:",
    "    cluster: stand-in",
    "    user: stand-in-user",
    "current-context: stand-in",
    "",
  ].join("\n");
}

export async function writeKubeconfig(dir: string, p: KubeconfigParams, fileName = "kubeconfig"): Promise<string> {
  const path = join(dir, fileName);
  await writeFile(path, kubeconfigYaml(p), { mode: 0o600 });
  return path;
}
