// A DEL with nothing saved (the state dir of an attached pod lost while the daemon is down) against the API server stand-in, with real bridge + host-local: the pod's own
// cluster network (its default-network annotation) is the one released, and a daemon restarted
// while its definitions informer cannot sync waits for readiness before it releases anything.
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { type DaemonConfig, stateLayout } from "../../server/src/config/index.js";
import { DEFAULT_NETWORK_ANNOTATION } from "../../server/src/resolve/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { deleteHostLinks, filesUnder, ipamReservations } from "../helpers/host-net.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { distinctSubnets } from "../helpers/netconf-fixture.js";
import { createNetns, type Netns, uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";

const NODE = "node-del";

function bridgeNet(bridge: string, subnet: string, dataDir: string): object {
  return { cniVersion: "1.0.0", type: "bridge", bridge, ipam: { type: "host-local", ranges: [[{ subnet }]], dataDir } };
}

describeRoot("netattachd × kube API server stand-in: a DEL with nothing saved", () => {
  let dir: string;
  let dataDir: string;
  let standIn: KubeStandIn;
  let netns: Netns;
  let bridges: string[];
  let daemon: TestDaemon | undefined;

  beforeEach(async () => {
    dir = await tempDir("na-kube-del-");
    dataDir = join(dir, "ipam");
    await mkdir(join(dir, "net.d"), { recursive: true });
    bridges = [uniqueName("kdc"), uniqueName("kdb")];
    const [clusterSubnet, blueSubnet] = distinctSubnets(2);
    standIn = await startKubeStandIn();
    standIn.createNad({
      namespace: "kube-system",
      name: "cluster-net",
      config: bridgeNet(bridges[0]!, clusterSubnet.subnet, dataDir),
    });
    standIn.createNad({ namespace: "ns1", name: "blue", config: bridgeNet(bridges[1]!, blueSubnet.subnet, dataDir) });
    netns = await createNetns("kube-del-");
  });

  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await standIn.close();
    await netns.delete();
    await deleteHostLinks(...bridges);
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<TestDaemon & { config: DaemonConfig }> {
    const d = await startComposedDaemon(
      {
        clusterNetwork: "cluster-net",
        cniBinDirs: CNI_BIN_DIRS,
        kubernetes: {
          mode: "kubeconfig",
          kubeconfigPath: await standIn.writeKubeconfig(dir),
          nodeName: NODE,
          namespaces: [],
          statusFailurePolicy: "fail",
          events: false,
        },
      },
      { dir },
    );
    daemon = d;
    return d;
  }
  const ready = async (d: TestDaemon): Promise<void> =>
    vi.waitFor(async () => expect((await d.client.api.getStatus({})).ready).toBe(true), { timeout: 20_000 });

  /** A pod attached through a first daemon, whose state is then lost (removed while no daemon runs). */
  async function attachedThenLost(annotations: Record<string, string>) {
    const created = standIn.createPod({
      namespace: "ns1",
      name: `web-${randomBytes(3).toString("hex")}`,
      nodeName: NODE,
      annotations,
    });
    const pod = { namespace: "ns1", name: created.metadata.name, uid: created.metadata.uid };
    const containerId = `kdel-${randomBytes(6).toString("hex")}`;
    const d = await start();
    await ready(d);
    // The pod informer has it (or a live GET finds it): the ADD uses its annotations.
    await vi.waitFor(async () => {
      const plan = await d.client.api.resolveNetworks({ netnsPath: netns.path, pod, primaryInterface: "eth0" });
      expect(plan.networks).toHaveLength(1);
    });
    await d.client.api.attachNetworks({
      containerId,
      netnsPath: netns.path,
      pod,
      primaryInterface: "eth0",
      cniVersion: "1.0.0",
    });
    await d.stop();
    daemon = undefined;
    // The whole stateDir, result cache included: otherwise the reconciler's CNI GC would release it.
    expect(await filesUnder(stateLayout(d.config).attachmentsDir)).toContainEqual(expect.stringContaining(containerId));
    await rm(d.config.stateDir, { recursive: true, force: true });
    return { pod, containerId };
  }

  /** The runtime's DEL of a sandbox whose netns is gone: CNI_NETNS empty. */
  const del = (d: TestDaemon, containerId: string, pod: { namespace: string; name: string; uid: string }) =>
    d.client.api.detachNetworks({ containerId, netnsPath: "", pod, primaryInterface: "eth0" });

  it("releases the network the pod's default-network annotation put in place of the cluster network", async () => {
    const { pod, containerId } = await attachedThenLost({ [DEFAULT_NETWORK_ANNOTATION]: "ns1/blue" });
    expect(await ipamReservations(dataDir, "blue")).toHaveLength(1);
    expect(await ipamReservations(dataDir, "cluster-net")).toEqual([]);
    const d = await start();
    await ready(d);
    await del(d, containerId, pod);
    expect(await ipamReservations(dataDir, "blue")).toEqual([]);
    const warned = d.logs.filter((l) => l.level === 40 && l.containerId === containerId).map((l) => l.msg);
    expect(warned).toEqual([
      `no saved attachment for ${containerId}: released the cluster network ns1/blue from its current config; secondary networks, if any, are unknown`,
    ]);
  });

  it("restarted while the definitions cannot be read, waits for readiness, then releases the cluster network", async () => {
    const { pod, containerId } = await attachedThenLost({});
    const [ip] = await ipamReservations(dataDir, "cluster-net");
    expect(ip).toBeDefined();
    // Every definition read fails (list, watch, live GET): that informer cannot sync.
    standIn.failNext({ resource: "network-attachment-definitions" }, 503, 1_000_000);
    const d = await start();
    expect((await d.client.api.getStatus({})).ready).toBe(false);
    let answered = false;
    const deleting = del(d, containerId, pod).then(
      () => "released",
      (err: unknown) => err,
    );
    void deleting.finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(answered).toBe(false);
    expect(await ipamReservations(dataDir, "cluster-net")).toEqual([ip]);
    standIn.clearFaults();
    expect(await deleting).toBe("released");
    expect(await ipamReservations(dataDir, "cluster-net")).toEqual([]);
    expect(d.logs.map((l) => l.msg)).toContain(
      `no saved attachment for ${containerId}: waiting for netattachd to be ready before choosing the cluster network to release`,
    );
  });
});
