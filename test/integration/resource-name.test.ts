// A definition's k8s.v1.cni.cncf.io/resourceName is not looked up: ResolveNetworks says so as a
// warning naming the network and the resource, instead of accepting it silently.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
let d: TestDaemon;
let dir: string;

beforeAll(async () => {
  dir = await tempDir("na-resource-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await mkdir(join(dir, "defs"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = JSON.stringify({ cniVersion: "1.0.0", plugins: [{ type: "noop" }] });
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "noop" }] }),
  );
  await writeFile(
    join(dir, "defs", "sriov.yaml"),
    [
      "apiVersion: k8s.cni.cncf.io/v1",
      "kind: NetworkAttachmentDefinition",
      "metadata:",
      "  name: sriov",
      "  namespace: default",
      "  annotations: {k8s.v1.cni.cncf.io/resourceName: intel.com/sriov}",
      `spec: {config: '${noop}'}`,
      "---",
      "apiVersion: k8s.cni.cncf.io/v1",
      "kind: NetworkAttachmentDefinition",
      "metadata: {name: plain, namespace: default}",
      `spec: {config: '${noop}'}`,
    ].join("\n"),
  );
  d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      cniConfDir: join(dir, "net.d"),
      definitionsDir: join(dir, "defs"),
    },
    { dir },
  );
});
afterAll(async () => {
  await d?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const resolve = (networks: string) =>
  d.client.api.resolveNetworks({
    pod: { namespace: "default", name: "p", uid: "" },
    annotations: { values: { "k8s.v1.cni.cncf.io/networks": networks } },
    selections: [],
    cniArgs: [],
    primaryInterface: "",
    containerId: "",
    netnsPath: "",
  });

it("warns that no device is looked up for a definition with a resourceName", async () => {
  const plan = await resolve("sriov,plain");
  expect(plan.networks.map((n) => n.network)).toEqual(["cluster", "default/sriov", "default/plain"]);
  expect(plan.warnings).toEqual([
    {
      reason: "INVALID_NETWORK_CONFIG",
      message:
        `network "default/sriov" (NetworkAttachmentDefinition default/sriov (${join(dir, "defs", "sriov.yaml")})): ` +
        'k8s.v1.cni.cncf.io/resourceName "intel.com/sriov" is not supported: no device is looked up for it ' +
        "(no deviceID reaches the delegate); a plugin that needs one, such as SR-IOV, fails at ADD",
      networks: ["default/sriov"],
    },
  ]);
});

it("has no warning without a resourceName", async () => {
  expect((await resolve("plain")).warnings).toEqual([]);
});
