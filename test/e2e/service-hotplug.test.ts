// Hot-plug on a running pod, with real plugins in a real netns and the Kubernetes API stand-in:
// AttachNetwork adds a third interface and DetachNetwork removes it, the netns, the saved state,
// ListAttachments and network-status (as the stand-in stores it) agreeing after each step; a
// conflicting hot-plug is refused before any plugin runs; a failing one rolls back alone; a DEL of
// the sandbox afterwards removes everything. With hotplug.annotations on, editing the pod's networks
// annotation adds and removes interfaces, with one Event listing what was added and one naming a failure;
// the sandbox's DEL cancels a hot-unplug whose plugin hangs and removes everything itself.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type DaemonConfig, stateLayout } from "../../server/src/config/index.js";
import { EventKind, EventOutcome } from "../../proto/gen/netattach/v1/event_service.js";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { deleteHostLinks, ipamReservations } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { errorInfo } from "../helpers/kube-stand-in/daemon-fixture.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { distinctSubnets } from "../helpers/netconf-fixture.js";
import { createNetns, type Netns, uniqueName } from "../helpers/netns.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { describeRoot } from "../helpers/root.js";

const NODE = "node-hotplug";
const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));

type StatusEntry = { name: string; interface: string; ips: string[]; mac: string; default?: boolean };
type Ev = { type: string; reason: string; action: string; note: string; regarding: { name: string } };

// A pod holds cluster-net, blue and one of green, red, broken or hangdel: two equal draws would be refused
// as IPAM_CONFLICT instead of the outcome a test expects.
const [clusterSubnet, blueSubnet, greenSubnet, redSubnet, brokenSubnet, hangSubnet] = distinctSubnets(6);

function bridgeNet(
  bridge: string,
  subnet: string,
  dataDir: string,
  opts: { gateway?: boolean; defaultRoute?: boolean } = {},
): object {
  return {
    cniVersion: "1.0.0",
    type: "bridge",
    bridge,
    isGateway: opts.gateway ?? false,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet }]],
      ...(opts.defaultRoute ? { routes: [{ dst: "0.0.0.0/0" }] } : {}),
      dataDir,
    },
  };
}

describeRoot("hot-plug: AttachNetwork / DetachNetwork / the networks annotation × real plugins × API stand-in", () => {
  let standIn: KubeStandIn;
  let daemon: TestDaemon & { config: DaemonConfig };
  let netns: Netns;
  let dataDir: string;
  let dir: string | undefined;
  const bridges = [
    uniqueName("hpc"),
    uniqueName("hpb"),
    uniqueName("hpg"),
    uniqueName("hpr"),
    uniqueName("hpf"),
    uniqueName("hph"),
  ];

  beforeAll(async () => {
    dir = await tempDir("na-hotplug-e2e-");
    dataDir = join(dir, "ipam");
    const bin = join(dir, "bin");
    await mkdir(join(dir, "net.d"), { recursive: true });
    await mkdir(bin, { recursive: true });
    await symlink(NOOP, join(bin, "noop"));
    standIn = await startKubeStandIn();
    const [cluster, blue, green, red, broken] = bridges as [string, string, string, string, string];
    standIn.createNad({
      namespace: "kube-system",
      name: "cluster-net",
      config: bridgeNet(cluster, clusterSubnet.subnet, dataDir, { gateway: true, defaultRoute: true }),
    });
    standIn.createNad({ namespace: "ns1", name: "blue", config: bridgeNet(blue, blueSubnet.subnet, dataDir) });
    standIn.createNad({ namespace: "ns1", name: "green", config: bridgeNet(green, greenSubnet.subnet, dataDir) });
    // A second default route: its IPAM routes 0.0.0.0/0, as the cluster network's does.
    standIn.createNad({
      namespace: "ns1",
      name: "red",
      config: bridgeNet(red, redSubnet.subnet, dataDir, { gateway: true, defaultRoute: true }),
    });
    // A bridge that works, then a plugin that fails: the bridge has run and must be rolled back.
    standIn.createNad({
      namespace: "ns1",
      name: "broken",
      config: {
        cniVersion: "1.0.0",
        name: "broken",
        plugins: [
          { ...(bridgeNet(broken, brokenSubnet.subnet, dataDir) as Record<string, unknown>) },
          { type: "noop", noop: { ADD: { error: { code: 100, msg: "noop refuses to finish" } } } },
        ],
      },
    });
    // A bridge whose DEL first runs a plugin that hangs (DEL runs a list backwards).
    standIn.createNad({
      namespace: "ns1",
      name: "hangdel",
      config: {
        cniVersion: "1.0.0",
        name: "hangdel",
        plugins: [
          { ...(bridgeNet(bridges[5]!, hangSubnet.subnet, dataDir) as Record<string, unknown>) },
          { type: "noop", debugFile: join(dir, "noop.jsonl"), noop: { DEL: { sleepMs: 600_000 } } },
        ],
      },
    });
    const kubeconfigPath = await standIn.writeKubeconfig(dir);
    netns = await createNetns("hotplug-e2e-");
    daemon = await startComposedDaemon(
      {
        clusterNetwork: "cluster-net",
        cniBinDirs: [bin, ...CNI_BIN_DIRS],
        kubernetes: {
          mode: "kubeconfig",
          kubeconfigPath,
          nodeName: NODE,
          namespaces: [],
          statusFailurePolicy: "fail",
          events: true,
        },
        hotplug: { annotations: true },
      },
      { dir },
    );
    await vi.waitFor(
      async () => expect(await daemon.client.api.getStatus({})).toMatchObject({ ready: true, reasons: [] }),
      { timeout: 20_000 },
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    await standIn?.close();
    await netns?.delete();
    await deleteHostLinks(...bridges);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const addRequest = (containerId: string, p: { namespace: string; name: string; uid: string }) => ({
    containerId,
    netnsPath: netns.path,
    pod: p,
    primaryInterface: "eth0",
    cniVersion: "1.0.0",
  });

  /** A pod on this node with `annotation`, attached by a full ADD once the informer has it. */
  async function runningPod(
    name: string,
    annotation: string,
  ): Promise<{ containerId: string; pod: { namespace: string; name: string; uid: string } }> {
    const obj = standIn.createPod({ namespace: "ns1", name, nodeName: NODE, annotations: { [NETWORKS]: annotation } });
    const pod = { namespace: "ns1", name, uid: obj.metadata.uid! };
    const containerId = `hp-${randomBytes(6).toString("hex")}`;
    await informerHas(pod);
    expect((await daemon.client.api.attachNetworks(addRequest(containerId, pod))).interfaces).toHaveLength(2);
    // The ADD's Event is written off its path: let it land before counting what follows.
    await vi.waitFor(() => expect(eventsOf(name, "AttachNetworks")).toHaveLength(1));
    return { containerId, pod };
  }

  const eventsOf = (podName: string, action: string): Ev[] =>
    (standIn.events("ns1") as unknown as Ev[]).filter((e) => e.regarding.name === podName && e.action === action);

  /** Waits until the daemon's pod informer has the pod (live GETs fail meanwhile), so an ADD needs no request. */
  async function informerHas(p: { namespace: string; name: string; uid: string }): Promise<void> {
    standIn.failNext({ verb: "get", resource: "pods" }, 500, 1_000_000);
    await vi.waitFor(
      async () =>
        expect(
          (await daemon.client.api.resolveNetworks({ ...addRequest("probe", p), selections: [], cniArgs: [] })).networks
            .length,
        ).toBeGreaterThan(0),
      { timeout: 10_000 },
    );
    standIn.clearFaults();
  }

  const storedStatus = (name: string): StatusEntry[] =>
    JSON.parse(standIn.getPod("ns1", name)!.metadata.annotations![NETWORK_STATUS_ANNOTATION]!) as StatusEntry[];
  const savedRecord = async (containerId: string) =>
    JSON.parse(await readFile(join(stateLayout(daemon.config).attachmentsDir, `${containerId}.json`), "utf8")) as {
      plan: { delegates: Array<{ ifName: string; network: string }> };
      results: Record<string, unknown>;
      phase: string;
    };
  const links = async () =>
    (await netns.links())
      .map((l) => l.ifname)
      .filter((n) => n !== "lo")
      .sort();
  const scrape = async () =>
    parsePrometheusText(await (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`)).text());
  const pluginAdds = async () =>
    sampleValue(await scrape(), "netattach_plugin_exec_duration_seconds_count", {
      command: "ADD",
      plugin: "bridge",
      result: "ok",
    });

  /** netns, saved state, ListAttachments and the stored network-status name the same interfaces and addresses. */
  async function expectAgreement(containerId: string, podName: string, interfaces: string[]): Promise<void> {
    expect(await links()).toEqual([...interfaces].sort());
    const status = storedStatus(podName);
    expect(status.map((s) => s.interface)).toEqual(interfaces);
    for (const entry of status) {
      const link = await netns.addr(entry.interface);
      expect(link?.address).toBe(entry.mac);
      expect(globalAddrs(link).map((a) => a.split("/")[0])).toEqual(entry.ips);
    }
    const saved = await savedRecord(containerId);
    expect(saved.phase).toBe("attached");
    expect(saved.plan.delegates.map((d) => d.ifName)).toEqual(interfaces);
    expect(Object.keys(saved.results).sort()).toEqual([...interfaces].sort());
    const [listed] = (await daemon.client.api.listAttachments({ containerId, podNamespace: "", podName: "" }))
      .attachments;
    expect(listed!.interfaces.map((i) => [i.interface, i.ips.map((ip) => ip.split("/")[0])])).toEqual(
      status.map((s) => [s.interface, s.ips]),
    );
  }

  it("AttachNetwork adds a third interface and DetachNetwork removes it; every view agrees after each step; DEL then removes everything", async () => {
    const { containerId, pod } = await runningPod("web", "blue");
    await expectAgreement(containerId, "web", ["eth0", "net1"]);
    standIn.resetRequests();
    const metricsBefore = await scrape();

    const added = await daemon.client.api.attachNetwork({
      containerId,
      selection: { name: "green", ips: [], portMappings: [] },
    });
    expect(added.interface).toMatchObject({ network: "ns1/green", interface: "net2", isDefault: false });
    expect(JSON.parse(added.networkStatusJson)).toEqual(storedStatus("web"));
    await expectAgreement(containerId, "web", ["eth0", "net1", "net2"]);
    expect(await ipamReservations(dataDir, "green")).toHaveLength(1);
    // One PATCH for the status, one Event listing the interface added.
    await vi.waitFor(() => expect(standIn.count({ resource: "events" })).toBe(1));
    expect(
      standIn.requests
        .filter((r) => r.verb !== "get" && r.verb !== "list" && r.verb !== "watch")
        .map((r) => `${r.verb} ${r.resource}`),
    ).toEqual(["patch pods", "create events"]);
    const [ev] = eventsOf("web", "AttachNetwork");
    expect(ev).toMatchObject({
      type: "Normal",
      reason: "AddedInterfaces",
      action: "AttachNetwork",
      regarding: { name: "web" },
    });
    expect(ev!.note).toContain("net2 [");

    // The per-call metrics and the event stream saw it.
    const delta = (m: Awaited<ReturnType<typeof scrape>>, labels: Record<string, string>) =>
      sampleValue(m, "netattach_operation_duration_seconds_count", labels) -
      sampleValue(metricsBefore, "netattach_operation_duration_seconds_count", labels);
    expect(delta(await scrape(), { operation: "hotplug-attach", result: "ok" })).toBe(1);
    const recent = daemon.client.events.watchEvents({
      podNamespace: "",
      podName: "",
      containerId,
      network: "",
      replayRecent: false,
      recentOnly: true,
    });
    const kinds: string[] = [];
    for await (const r of recent)
      if (r.event) kinds.push(`${EventKind[r.event.kind]} ${EventOutcome[r.event.outcome]} ${r.event.interface}`);
    expect(kinds).toEqual(["EVENT_KIND_ATTACH EVENT_OUTCOME_OK ", "EVENT_KIND_HOTPLUG_ATTACH EVENT_OUTCOME_OK net2"]);

    const removed = await daemon.client.api.detachNetwork({ containerId, interface: "net2" });
    expect(removed.removed).toEqual([{ network: "ns1/green", interface: "net2" }]);
    expect(removed.orphaned).toEqual([]);
    await expectAgreement(containerId, "web", ["eth0", "net1"]);
    expect(await ipamReservations(dataDir, "green")).toEqual([]);
    expect(delta(await scrape(), { operation: "hotplug-detach", result: "ok" })).toBe(1);

    // Hot-plugged again, then the whole sandbox goes: the hot-plugged interface with it.
    await daemon.client.api.attachNetwork({
      containerId,
      selection: { name: "green", interface: "data0", ips: [], portMappings: [] },
    });
    await expectAgreement(containerId, "web", ["eth0", "net1", "data0"]);
    await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod });
    expect(await links()).toEqual([]);
    for (const n of ["cluster-net", "blue", "green"]) expect(await ipamReservations(dataDir, n)).toEqual([]);
    await expect(
      readFile(join(stateLayout(daemon.config).attachmentsDir, `${containerId}.json`)),
    ).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a hot-plug that conflicts (interface name taken, a second default route) is refused before any plugin runs; nothing is saved", async () => {
    const { containerId, pod } = await runningPod("api", "blue");
    const before = await readFile(join(stateLayout(daemon.config).attachmentsDir, `${containerId}.json`), "utf8");
    const adds = await pluginAdds();

    const taken = await daemon.client.api
      .attachNetwork({ containerId, selection: { name: "green", interface: "net1", ips: [], portMappings: [] } })
      .catch((e: unknown) => e);
    expect(errorInfo(taken)?.reason).toBe("INTERFACE_CONFLICT");
    expect((taken as Error).message).toContain('interface "net1" is used twice');
    const route = await daemon.client.api
      .attachNetwork({ containerId, selection: { name: "red", ips: [], portMappings: [] } })
      .catch((e: unknown) => e);
    expect(errorInfo(route)?.reason).toBe("DEFAULT_ROUTE_CONFLICT");
    expect((route as Error).message).toContain("ns1/red");
    const none = await daemon.client.api
      .attachNetwork({ containerId: "never-attached", selection: { name: "green", ips: [], portMappings: [] } })
      .catch((e: unknown) => e);
    expect(errorInfo(none)?.reason).toBe("ATTACHMENT_NOT_FOUND");
    const cluster = await daemon.client.api.detachNetwork({ containerId, interface: "eth0" }).catch((e: unknown) => e);
    expect(errorInfo(cluster)?.reason).toBe("INVALID_REQUEST");

    expect(await pluginAdds()).toBe(adds);
    expect(await readFile(join(stateLayout(daemon.config).attachmentsDir, `${containerId}.json`), "utf8")).toBe(before);
    expect(await ipamReservations(dataDir, "green")).toEqual([]);
    expect(await ipamReservations(dataDir, "red")).toEqual([]);
    await expectAgreement(containerId, "api", ["eth0", "net1"]);
    await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod });
  });

  it("a failing hot-plug rolls back its own delegate and leaves the pod's other interfaces as they were", async () => {
    const { containerId, pod } = await runningPod("db", "blue");
    const addrsBefore = await Promise.all(["eth0", "net1"].map(async (i) => globalAddrs(await netns.addr(i))));
    const statusBefore = storedStatus("db");
    const savedBefore = await savedRecord(containerId);

    const err = await daemon.client.api
      .attachNetwork({ containerId, selection: { name: "broken", ips: [], portMappings: [] } })
      .catch((e: unknown) => e);
    expect(errorInfo(err)).toMatchObject({
      reason: "PLUGIN_FAILED",
      metadata: { network: "ns1/broken", plugin: "noop" },
    });
    expect((err as Error).message).toContain("rolled back");

    expect(await links()).toEqual(["eth0", "net1"]);
    expect(await Promise.all(["eth0", "net1"].map(async (i) => globalAddrs(await netns.addr(i))))).toEqual(addrsBefore);
    expect(await ipamReservations(dataDir, "broken")).toEqual([]);
    expect(storedStatus("db")).toEqual(statusBefore);
    const savedAfter = await savedRecord(containerId);
    expect(savedAfter.plan).toEqual(savedBefore.plan);
    expect(savedAfter.results).toEqual(savedBefore.results);
    await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod });
  });

  it("hotplug.annotations: editing a running pod's networks annotation adds and removes interfaces, with one Event for what was added and one naming a failure", async () => {
    const obj = standIn.createPod({
      namespace: "ns1",
      name: "cache",
      nodeName: NODE,
      annotations: { [NETWORKS]: "blue" },
    });
    const pod = { namespace: "ns1", name: "cache", uid: obj.metadata.uid! };
    const containerId = `hp-${randomBytes(6).toString("hex")}`;
    await informerHas(pod);
    standIn.resetRequests();
    expect((await daemon.client.api.attachNetworks(addRequest(containerId, pod))).interfaces).toHaveLength(2);
    await vi.waitFor(() => expect(standIn.count({ resource: "events" })).toBe(1));
    // The ADD itself, with Events and annotation hot-plug on: at most 2 writes.
    const writes = () =>
      standIn.requests.filter((r) => r.verb === "patch" || r.verb === "create" || r.verb === "update");
    expect(writes().length).toBeLessThanOrEqual(2);

    standIn.resetRequests();
    standIn.setPodAnnotations("ns1", "cache", { [NETWORKS]: "blue,green@data1" });
    await vi.waitFor(async () => expect(await links()).toEqual(["data1", "eth0", "net1"]), { timeout: 10_000 });
    await vi.waitFor(() => expect(storedStatus("cache").map((s) => s.interface)).toEqual(["eth0", "net1", "data1"]));
    await expectAgreement(containerId, "cache", ["eth0", "net1", "data1"]);
    await vi.waitFor(() => expect(standIn.count({ resource: "events" })).toBe(1));
    expect(writes().map((r) => `${r.verb} ${r.resource}`)).toEqual(["patch pods", "create events"]);
    expect(eventsOf("cache", "AttachNetwork")).toEqual([
      expect.objectContaining({
        type: "Normal",
        reason: "AddedInterfaces",
        note: expect.stringMatching(/^added data1 \[10\.[0-9.]+\/24\] from ns1\/green$/),
      }),
    ]);

    // A network that does not exist: nothing changes, a Warning names the reason.
    standIn.setPodAnnotations("ns1", "cache", { [NETWORKS]: "blue,green@data1,nosuch" });
    await vi.waitFor(
      () =>
        expect(eventsOf("cache", "AttachNetwork").filter((e) => e.type === "Warning")).toEqual([
          expect.objectContaining({
            reason: "NETWORK_NOT_FOUND",
            action: "AttachNetwork",
            // Where the user wrote it: the annotation and the element's position.
            note: expect.stringContaining(`${NETWORKS}: element 3 ("nosuch")`),
          }),
        ]),
      { timeout: 10_000 },
    );
    expect(await links()).toEqual(["data1", "eth0", "net1"]);

    // Dropping elements detaches them.
    standIn.setPodAnnotations("ns1", "cache", { [NETWORKS]: "" });
    await vi.waitFor(async () => expect(await links()).toEqual(["eth0"]), { timeout: 10_000 });
    await vi.waitFor(() => expect(storedStatus("cache").map((s) => s.interface)).toEqual(["eth0"]));
    await expectAgreement(containerId, "cache", ["eth0"]);
    expect(await ipamReservations(dataDir, "green")).toEqual([]);
    await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod });
    expect(await links()).toEqual([]);
  });

  it("hotplug.annotations: the sandbox's DEL cancels a hot-unplug whose plugin's DEL hangs, and removes everything itself", async () => {
    const { containerId, pod } = await runningPod("stuck", "blue");
    await daemon.client.api.attachNetwork({ containerId, selection: { name: "hangdel", ips: [], portMappings: [] } });
    await expectAgreement(containerId, "stuck", ["eth0", "net1", "net2"]);
    const noopDels = async () =>
      (await readFile(join(dir!, "noop.jsonl"), "utf8").catch(() => ""))
        .split("\n")
        .filter((l) => l.includes('"command":"DEL"')).length;
    // An edit of the annotation that lists only blue: hangdel, hot-plugged by AttachNetwork, goes.
    standIn.setPodAnnotations("ns1", "stuck", { [NETWORKS]: "ns1/blue" });
    await vi.waitFor(async () => expect(await noopDels()).toBe(1), { timeout: 10_000 });

    // The plugin's later DELs answer at once: the binary is found at each exec.
    const noop = join(dir!, "bin", "noop");
    const quick = join(dir!, "quick-noop.sh");
    await writeFile(quick, "#!/bin/sh\ncat >/dev/null\nexit 0\n");
    await chmod(quick, 0o755);
    await rm(noop);
    await symlink(quick, noop);
    try {
      await daemon.client.api.detachNetworks({ containerId, netnsPath: netns.path, pod });
    } finally {
      await rm(noop);
      await symlink(NOOP, noop);
    }
    expect(await links()).toEqual([]);
    for (const n of ["cluster-net", "blue", "hangdel"]) expect(await ipamReservations(dataDir, n)).toEqual([]);
    // The removal step's Warning says why it stopped.
    await vi.waitFor(() =>
      expect(eventsOf("stuck", "DetachNetwork").filter((e) => e.type === "Warning")).toContainEqual(
        expect.objectContaining({ note: expect.stringContaining("cancelled by the DEL of sandbox") }),
      ),
    );
  });
});
