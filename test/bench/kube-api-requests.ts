// Bench part 1: API requests per ADD and per DEL in steady state, through the real daemon
// (composed as main.ts does) with real plugins in a real netns — root only. Each pod asks
// for `networks` secondary networks; the daemon takes the annotations from its informer.
import { randomBytes, randomInt } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startComposedDaemon, tempDir } from "../helpers/daemon.js";
import { deleteHostLinks } from "../helpers/host-net.js";
import { startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { createNetns, uniqueName } from "../helpers/netns.js";

export interface RequestsPerCall {
  readonly pods: number;
  readonly networks: number;
  readonly addReads: number;
  readonly addWrites: number;
  readonly delRequests: number;
  readonly addMsMean: number;
}

const NODE = "bench-node";

export async function benchRequestsPerAdd(pods: number, networks: number): Promise<RequestsPerCall> {
  const dir = await tempDir("na-kube-bench-");
  const dataDir = join(dir, "ipam");
  await mkdir(join(dir, "net.d"), { recursive: true });
  const standIn = await startKubeStandIn();
  const bridges = Array.from({ length: networks + 1 }, () => uniqueName("kbn"));
  const net = (bridge: string, gateway: boolean) => ({
    cniVersion: "1.0.0",
    type: "bridge",
    bridge,
    isGateway: gateway,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet: `10.${randomInt(200, 255)}.${randomInt(0, 256)}.0/24` }]],
      dataDir,
    },
  });
  standIn.createNad({ namespace: "kube-system", name: "cluster-net", config: net(bridges[0]!, true) });
  const names = bridges.slice(1).map((b, i) => {
    standIn.createNad({ namespace: "bench", name: `net-${i}`, config: net(b, false) });
    return `net-${i}`;
  });
  const podObjs = Array.from({ length: pods }, (_, i) =>
    standIn.createPod({
      namespace: "bench",
      name: `pod-${i}`,
      nodeName: NODE,
      annotations: { "k8s.v1.cni.cncf.io/networks": names.join(",") },
    }),
  );
  const netns = await createNetns("kube-bench-");
  const daemon = await startComposedDaemon(
    {
      clusterNetwork: "cluster-net",
      cniBinDirs: CNI_BIN_DIRS,
      logLevel: "warn",
      kubernetes: {
        mode: "kubeconfig",
        kubeconfigPath: await standIn.writeKubeconfig(dir),
        nodeName: NODE,
        namespaces: [],
        statusFailurePolicy: "fail",
        events: true,
      },
    },
    { dir },
  );
  try {
    for (let i = 0; i < 200 && !(await daemon.client.api.getStatus({})).ready; i++)
      await new Promise((r) => setTimeout(r, 100));
    let addReads = 0;
    let addWrites = 0;
    let delRequests = 0;
    let addMs = 0;
    for (const pod of podObjs) {
      const ref = { namespace: "bench", name: pod.metadata.name, uid: pod.metadata.uid };
      const containerId = `bench-${randomBytes(6).toString("hex")}`;
      standIn.resetRequests();
      const t0 = performance.now();
      await daemon.client.api.attachNetworks({
        containerId,
        netnsPath: netns.path,
        pod: ref,
        primaryInterface: "eth0",
        cniVersion: "1.0.0",
      });
      addMs += performance.now() - t0;
      addReads += standIn.count({ verb: ["get", "list"] });
      addWrites += standIn.count({ verb: ["patch", "update", "create"] });
      standIn.resetRequests();
      await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod: ref });
      delRequests += standIn.requests.filter((r) => r.verb !== "watch").length;
    }
    return {
      pods,
      networks,
      addReads: addReads / pods,
      addWrites: addWrites / pods,
      delRequests: delRequests / pods,
      addMsMean: addMs / pods,
    };
  } finally {
    await daemon.stop();
    await standIn.close();
    await netns.delete();
    await deleteHostLinks(...bridges);
  }
}
