// The daemon composed with kubernetes.mode=kubeconfig against the Kubernetes API stand-in
// (never a cluster): NetworkAttachmentDefinitions and the pod's annotations come from the
// informers, network-status goes back to the pod, health follows the informers' sync.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startKubeStandIn, type KubeStandIn } from "../helpers/kube-stand-in/index.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const NODE = "node-daemon";

let standIn: KubeStandIn;
let d: TestDaemon;
let dir: string;
let netns: ScratchNetns;

beforeAll(async () => {
  netns = await createScratchNetns();
  dir = await tempDir("na-kube-daemon-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "noop" }] }),
  );
  standIn = await startKubeStandIn();
  standIn.createNad({ namespace: "ns1", name: "blue", config: { cniVersion: "1.0.0", plugins: [{ type: "noop" }] } });
  standIn.createPod({
    namespace: "ns1",
    name: "p",
    nodeName: NODE,
    uid: "uid-p",
    annotations: { "k8s.v1.cni.cncf.io/networks": "blue@data0" },
  });
  const kubeconfigPath = await standIn.writeKubeconfig(dir);
  d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      cniConfDir: join(dir, "net.d"),
      kubernetes: {
        mode: "kubeconfig",
        kubeconfigPath,
        nodeName: NODE,
        namespaces: [],
        statusFailurePolicy: "fail",
        events: true,
      },
    },
    { dir },
  );
});
afterAll(async () => {
  await d?.stop();
  await netns?.close();
  await standIn?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("becomes SERVING once the informers have synced", async () => {
  for (let i = 0; i < 400 && (await d.client.health.check({ service: "" })).status !== 1; i++)
    await new Promise((r) => setTimeout(r, 25));
  expect((await d.client.health.check({ service: "" })).status).toBe(1);
  expect((await d.client.api.getStatus({})).ready).toBe(true);
});

it("attaches with the pod's annotations from the cluster and writes network-status back", async () => {
  const res = await d.client.api.attachNetworks({
    containerId: "k1",
    netnsPath: netns.path,
    pod: { namespace: "ns1", name: "p", uid: "uid-p" },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
  });
  expect(res.interfaces.map((i) => [i.interface, i.network])).toEqual([
    ["eth0", "cluster"],
    ["data0", "ns1/blue"],
  ]);
  const written = standIn.getPod("ns1", "p")!.metadata.annotations!["k8s.v1.cni.cncf.io/network-status"];
  expect(JSON.parse(written!)).toEqual(JSON.parse(res.networkStatusJson));
  await d.client.api.detachNetworks({ containerId: "k1" });
});
