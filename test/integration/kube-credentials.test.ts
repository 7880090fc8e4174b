// Credentials that change under a running daemon. kubelet rotates its client certificate in
// place (kubelet.conf names kubelet-client-current.pem) and the API server refuses the old one
// once it has expired: the client must present what the files hold now, not what they held at
// start-up, on the generated calls (GET, PATCH, Events) as on the watches.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { createKubeClient, loadKubeConfig } from "../../server/src/kube/kube-client.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { standInClientCert } from "../helpers/kube-stand-in/tls.js";

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Writes the pair as kubelet does: a new file renamed over the old. */
async function install(dir: string, cn: string): Promise<{ certFile: string; keyFile: string }> {
  const pair = standInClientCert(cn);
  const certFile = join(dir, "client.pem");
  const keyFile = join(dir, "client-key.pem");
  await writeFile(`${keyFile}.new`, pair.key, { mode: 0o600 });
  await writeFile(`${certFile}.new`, pair.cert);
  await rename(`${keyFile}.new`, keyFile);
  await rename(`${certFile}.new`, certFile);
  return { certFile, keyFile };
}

/** A stand-in holding pod ns1/web, and a directory for the kubeconfig and its credential files. */
async function standInWithDir(): Promise<{ standIn: KubeStandIn; dir: string }> {
  const standIn = await startKubeStandIn();
  const dir = await mkdtemp(join(tmpdir(), "kube-credentials-"));
  cleanup.push(
    () => standIn.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  standIn.createPod({ namespace: "ns1", name: "web", nodeName: "node-a" });
  return { standIn, dir };
}

/** A client of that kubeconfig, and a GET of ns1/web through it (its name). */
function clientOf(kubeconfigPath: string, opts?: { tlsRecheckMs?: number }): () => Promise<string | undefined> {
  const client = createKubeClient(loadKubeConfig({ mode: "kubeconfig", kubeconfigPath }), opts);
  cleanup.push(() => client.close());
  return async () =>
    (await client.core.readNamespacedPod({ namespace: "ns1", name: "web" }, client.callOptions({ timeoutMs: 5_000 })))
      .metadata?.name;
}

it("authenticates with a kubeconfig user's tokenFile (client-go's key), and follows its rotation within a minute", async () => {
  const { standIn, dir } = await standInWithDir();
  await writeFile(join(dir, "token"), standIn.token);
  // Relative to the kubeconfig's directory, as client-go resolves it.
  const read = clientOf(await standIn.writeKubeconfig(dir, { tokenFile: "token" }));
  expect(await read()).toBe("web");

  // kubelet replaces the projected token; the library reads the file again once a minute has passed.
  vi.useFakeTimers({ toFake: ["Date"] });
  cleanup.push(() => void vi.useRealTimers());
  await writeFile(join(dir, "token.new"), standIn.rotateToken());
  await rename(join(dir, "token.new"), join(dir, "token"));
  vi.setSystemTime(Date.now() + 61_000);
  expect(await read()).toBe("web");
  expect(standIn.requests.map((r) => r.status)).toEqual([200, 200]);
});

it("names an unreadable tokenFile at start-up", async () => {
  const { standIn, dir } = await standInWithDir();
  const kubeconfigPath = await standIn.writeKubeconfig(dir, { tokenFile: "missing-token" });
  expect(() => loadKubeConfig({ mode: "kubeconfig", kubeconfigPath })).toThrow(
    `cannot load Kubernetes client settings from kubeconfig ${kubeconfigPath}: ENOENT: no such file or directory, open '${join(dir, "missing-token")}'`,
  );
});

it("presents a rotated client certificate once the files change", async () => {
  const { standIn, dir } = await standInWithDir();
  const clientCertificate = await install(dir, "system:node:node-a:1");
  standIn.acceptClientCertificates("system:node:node-a:1");
  // Checked on every request here; every TLS_RECHECK_MS in the daemon.
  const read = clientOf(await standIn.writeKubeconfig(dir, { clientCertificate }), { tlsRecheckMs: 0 });
  expect(await read()).toBe("web");
  expect(await read()).toBe("web");

  await install(dir, "system:node:node-a:2");
  standIn.acceptClientCertificates("system:node:node-a:2"); // the first one has expired
  expect(await read()).toBe("web");
  expect(standIn.requests.map((r) => r.status)).toEqual([200, 200, 200]);
});
