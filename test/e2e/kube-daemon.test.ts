// The real daemon (composed as main.ts does) against the API server stand-in, with real
// plugins in a real netns: pod annotations from the informer, network-status as stored by
// the stand-in matches the netns, and with the API server down DEL still cleans up while
// ADD fails with a retryable error (CNI 11).
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { type DaemonConfig, stateLayout } from "../../server/src/config/index.js";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { deleteHostLinks, filesUnder, ipamReservations } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { errorInfo } from "../helpers/kube-stand-in/daemon-fixture.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { distinctSubnets } from "../helpers/netconf-fixture.js";
import { createNetns, type Netns, uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";

const NODE = "node-e2e";

interface World {
  dir: string;
  standIn: KubeStandIn;
  daemon: TestDaemon & { config: DaemonConfig };
  netns: Netns;
  dataDir: string;
  bridges: string[];
}

function bridgeNet(bridge: string, subnet: string, dataDir: string, gateway: boolean): object {
  return {
    cniVersion: "1.0.0",
    type: "bridge",
    bridge,
    isGateway: gateway,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet }]],
      ...(gateway ? { routes: [{ dst: "0.0.0.0/0" }] } : {}),
      dataDir,
    },
  };
}

describeRoot("netattachd × kube API server stand-in × real plugins", () => {
  let w: World;

  beforeEach(async () => {
    const dir = await tempDir("na-kube-e2e-");
    const dataDir = join(dir, "ipam");
    await mkdir(join(dir, "net.d"), { recursive: true });
    const bridges = [uniqueName("kbc"), uniqueName("kbb")];
    // One pod gets both networks: equal draws would be refused as IPAM_CONFLICT.
    const [clusterSubnet, blueSubnet] = distinctSubnets(2);
    const standIn = await startKubeStandIn();
    standIn.createNad({
      namespace: "kube-system",
      name: "cluster-net",
      config: bridgeNet(bridges[0]!, clusterSubnet.subnet, dataDir, true),
    });
    standIn.createNad({
      namespace: "ns1",
      name: "blue",
      config: bridgeNet(bridges[1]!, blueSubnet.subnet, dataDir, false),
    });
    const kubeconfigPath = await standIn.writeKubeconfig(dir);
    const netns = await createNetns("kube-e2e-");
    const daemon = await startComposedDaemon(
      {
        clusterNetwork: "cluster-net",
        cniBinDirs: CNI_BIN_DIRS,
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
    w = { dir, standIn, daemon, netns, dataDir, bridges };
    await vi.waitFor(
      async () => expect(await daemon.client.api.getStatus({})).toMatchObject({ ready: true, reasons: [] }),
      { timeout: 20_000 },
    );
  });

  afterEach(async () => {
    await w.daemon.stop();
    await w.standIn.close();
    await w.netns.delete();
    await deleteHostLinks(...w.bridges);
    await rm(w.dir, { recursive: true, force: true });
  });

  const pod = (name: string, uid: string) => ({ namespace: "ns1", name, uid });
  const addRequest = (containerId: string, p: { namespace: string; name: string; uid: string }) => ({
    containerId,
    netnsPath: w.netns.path,
    pod: p,
    primaryInterface: "eth0",
    cniVersion: "1.0.0",
  });

  async function scrape(): Promise<ReturnType<typeof parsePrometheusText>> {
    return parsePrometheusText(await (await fetch(`http://127.0.0.1:${w.daemon.httpPort}/metrics`)).text());
  }

  /** Waits until the daemon's pod informer has the pod (live GETs fail meanwhile). */
  async function informerHas(p: { namespace: string; name: string; uid: string }): Promise<void> {
    w.standIn.failNext({ verb: "get", resource: "pods" }, 500, 1_000_000);
    await vi.waitFor(
      async () => expect((await w.daemon.client.api.resolveNetworks(addRequest("probe", p))).networks).toHaveLength(2),
      { timeout: 10_000 },
    );
    w.standIn.clearFaults();
  }

  it("ADD takes the annotations from the pod informer, costs 0 reads + 1 PATCH + 1 Event, and the stored network-status matches the netns", async () => {
    const p = w.standIn.createPod({
      namespace: "ns1",
      name: "web",
      nodeName: NODE,
      annotations: { "k8s.v1.cni.cncf.io/networks": "blue" },
    });
    await informerHas(pod("web", p.metadata.uid));
    w.standIn.resetRequests();
    const before = await scrape();
    const containerId = `kube-${randomBytes(6).toString("hex")}`;
    const res = await w.daemon.client.api.attachNetworks(addRequest(containerId, pod("web", p.metadata.uid)));
    // The Event is written off the ADD's path: it follows the status PATCH.
    await vi.waitFor(() => expect(w.standIn.count({ resource: "events" })).toBe(1));
    expect(w.standIn.requests.map((r) => `${r.verb} ${r.path}`)).toEqual([
      "patch /api/v1/namespaces/ns1/pods/web/status",
      "create /apis/events.k8s.io/v1/namespaces/ns1/events",
    ]);
    const [event] = w.standIn.events("ns1") as unknown as Array<{ reason: string; note: string }>;
    expect(event!.reason).toBe("AddedInterfaces");
    const addrs = JSON.parse(res.networkStatusJson) as Array<{ name: string; interface: string; ips: string[] }>;
    expect(event!.note).toBe(
      `added ${res.interfaces.map((i) => `${i.interface} [${i.ips.map((ip) => ip.address).join(", ")}] from ${i.network}`).join("; ")}`,
    );
    expect(addrs.map((a) => a.interface)).toEqual(["eth0", "net1"]);

    // The metrics moved with it: the call, each network it attached, each real plugin run.
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta("netattach_operation_duration_seconds_count", { operation: "attach", result: "ok" })).toBe(1);
    expect(
      delta("netattach_network_operation_duration_seconds_count", {
        operation: "attach",
        network: "ns1/blue",
        result: "ok",
      }),
    ).toBe(1);
    expect(
      delta("netattach_network_operation_duration_seconds_count", {
        operation: "attach",
        network: "kube-system/cluster-net",
        result: "ok",
      }),
    ).toBe(1);
    expect(
      delta("netattach_plugin_exec_duration_seconds_count", { command: "ADD", plugin: "bridge", result: "ok" }),
    ).toBe(2);
    expect(delta("netattach_plugin_exec_duration_seconds_sum", { command: "ADD", plugin: "bridge" })).toBeGreaterThan(
      0,
    );
    expect(sampleValue(after, "netattach_attachments", { phase: "attached" })).toBe(1);
    expect(sampleValue(after, "netattach_kube_informer_synced", { resource: "pods" })).toBe(1);

    const stored = JSON.parse(
      w.standIn.getPod("ns1", "web")!.metadata.annotations![NETWORK_STATUS_ANNOTATION]!,
    ) as Array<{
      name: string;
      interface: string;
      ips: string[];
      mac: string;
      default?: boolean;
    }>;
    expect(stored).toEqual(JSON.parse(res.networkStatusJson));
    expect(stored.map((s) => [s.name, s.interface, s.default])).toEqual([
      ["kube-system/cluster-net", "eth0", true],
      ["ns1/blue", "net1", false],
    ]);
    for (const entry of stored) {
      const link = await w.netns.addr(entry.interface);
      expect(link?.address).toBe(entry.mac);
      expect(globalAddrs(link).map((a) => a.split("/")[0])).toEqual(entry.ips);
    }
    await w.daemon.client.api.detachNetworks({ containerId, netnsPath: w.netns.path, pod: pod("web", p.metadata.uid) });
  });

  it("with the API server down: DEL removes every interface, IPAM reservation and saved state; ADD fails with CNI 11", async () => {
    const p = w.standIn.createPod({
      namespace: "ns1",
      name: "db",
      nodeName: NODE,
      annotations: { "k8s.v1.cni.cncf.io/networks": "blue" },
    });
    const containerId = `kube-${randomBytes(6).toString("hex")}`;
    await informerHas(pod("db", p.metadata.uid));
    await w.daemon.client.api.attachNetworks(addRequest(containerId, pod("db", p.metadata.uid)));
    expect((await w.netns.links()).map((l) => l.ifname).sort()).toEqual(["eth0", "lo", "net1"]);
    expect(await ipamReservations(w.dataDir, "cluster-net")).toHaveLength(1);
    expect(await ipamReservations(w.dataDir, "blue")).toHaveLength(1);

    await w.standIn.down();
    await vi.waitFor(async () => expect((await w.daemon.client.api.getStatus({})).ready).toBe(false));

    await w.daemon.client.api.detachNetworks({ containerId, netnsPath: w.netns.path, pod: pod("db", p.metadata.uid) });
    expect((await w.netns.links()).map((l) => l.ifname)).toEqual(["lo"]);
    expect(await ipamReservations(w.dataDir, "cluster-net")).toEqual([]);
    expect(await ipamReservations(w.dataDir, "blue")).toEqual([]);
    const layout = stateLayout(w.daemon.config);
    expect((await filesUnder(layout.attachmentsDir)).filter((f) => f.includes(containerId))).toEqual([]);
    expect((await filesUnder(layout.cacheDir)).filter((f) => f.includes(containerId))).toEqual([]);

    // A pod the informer never saw needs the API: retryable failure, nothing left behind.
    const err = await w.daemon.client.api
      .attachNetworks(addRequest(`kube-${randomBytes(6).toString("hex")}`, pod("unseen", "uid-unseen")))
      .catch((e: unknown) => e);
    expect(errorInfo(err)).toMatchObject({ reason: "KUBE_API_UNAVAILABLE", metadata: { cniCode: "11" } });

    // A cached pod gets its interfaces, but the status PATCH cannot go out: rolled back, CNI 11.
    const err2 = await w.daemon.client.api
      .attachNetworks(addRequest(`kube-${randomBytes(6).toString("hex")}`, pod("db", p.metadata.uid)))
      .catch((e: unknown) => e);
    expect(errorInfo(err2)).toMatchObject({ reason: "STATUS_WRITE_FAILED", metadata: { cniCode: "11" } });
    expect((await w.netns.links()).map((l) => l.ifname)).toEqual(["lo"]);
    expect(await ipamReservations(w.dataDir, "cluster-net")).toEqual([]);
  });
});
