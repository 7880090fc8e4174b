// Issue 8 "checks before exec" and issue 9 "refusals before exec save no state": with Debian's
// real plugins, a real netns and the daemon's gRPC socket, each misconfiguration is refused by
// AttachNetworks and by ResolveNetworks before any plugin runs — no link, no IPAM reservation,
// no saved attachment, no result cache, no exec — and the DEL that follows succeeds. Relaxed
// (defaultRouteConflicts: warn), the conflict is a ResolveNetworks warning and the ADD runs.
import { readdir, readFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSysfsNodeLinks } from "../../server/src/attach/preflight/node-links.js";
import type { TestDaemon } from "../helpers/daemon.js";
import {
  createHostBridge,
  createHostVeth,
  deleteHostLinks,
  hostAddr,
  hostLink,
  hostLinks,
} from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { uniqueName } from "../helpers/netns.js";
import { runCmd } from "../helpers/run-cmd.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
import { createServiceWorld, podRequest, type ServiceWorld } from "../helpers/service-world.js";

async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

describeRoot("service e2e: refuse before running", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  let clusterConf: string;
  let secNad: string;
  const missingMaster = uniqueName("pfnone");
  const notBridge = uniqueName("pfveth", 14);
  // A link of the node's own networking (it holds a node address): host-device must not take it.
  const nodeLink = uniqueName("pfnode", 14);
  const nodeAddress = "198.51.100.77/32";
  // A bridge of the node's own networking: bridge's forceAddress would replace its address (seen with 1.1.1).
  const nodeBridge = uniqueName("pfnbr", 14);
  const nodeBridgeAddress = "198.51.101.1/24";
  // A host service: a pod's annotation must not take its port (portmap DNATs it on every local address).
  let hostService: Server;
  const hostPort = () => (hostService.address() as AddressInfo).port;

  beforeAll(async () => {
    w = await createServiceWorld("pre");
    // The cluster network sets the default route by bridge isDefaultGateway (no IPAM route).
    clusterConf = await w.writeConf("05-gwcluster.conflist", {
      cniVersion: "1.0.0",
      name: "gwcluster",
      plugins: [
        {
          type: "bridge",
          bridge: w.clusterBridge,
          isGateway: true,
          isDefaultGateway: true,
          ipam: {
            type: "host-local",
            dataDir: w.dataDir,
            ranges: [[{ subnet: w.subnets.cluster.subnet, gateway: w.subnets.cluster.gateway }]],
          },
        },
      ],
    });
    const macvlan = (name: string, master: string, subnet: string, routes?: object[]) => ({
      cniVersion: "1.0.0",
      name,
      type: "macvlan",
      master,
      mode: "bridge",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet }]], ...(routes ? { routes } : {}) },
    });
    secNad = await w.writeNad(
      "default",
      "sec-default",
      macvlan("sec-default", w.master, w.subnets.a.subnet, [{ dst: "0.0.0.0/0" }]),
    );
    await w.writeNad("default", "v2", {
      cniVersion: "2.0.0",
      name: "v2",
      type: "ptp",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.b.subnet }]] },
    });
    await w.writeNad("default", "no-master", macvlan("no-master", missingMaster, w.subnets.b.subnet));
    await w.writeNad("default", "wide", {
      cniVersion: "1.0.0",
      name: "wide",
      type: "ptp",
      ipam: {
        type: "host-local",
        dataDir: w.dataDir,
        ranges: [[{ subnet: w.subnets.c.sixteen }]],
      },
    });
    await w.writeNad("default", "narrow", {
      cniVersion: "1.0.0",
      name: "narrow",
      type: "ptp",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] },
    });
    const bridgeConf = (name: string, bridge: string, keys: object = {}) => ({
      cniVersion: "1.0.0",
      name,
      type: "bridge",
      bridge,
      ...keys,
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.b.subnet }]] },
    });
    await w.writeNad("default", "fake-bridge", bridgeConf("fake-bridge", notBridge));
    // A plugin netattach does not know (the test double): its default route shows only in its result.
    await w.writeNad("default", "opaque", {
      cniVersion: "1.0.0",
      name: "opaque",
      type: "noop",
      debugFile: w.debugFile,
      noop: {
        ADD: {
          result: {
            cniVersion: "1.0.0",
            interfaces: [{ name: "net1", sandbox: w.netns.path }],
            ips: [{ address: `${w.subnets.b.prefix}7/24`, interface: 0 }],
            routes: [{ dst: "0.0.0.0/0", gw: w.subnets.b.gateway }],
          },
        },
      },
    });
    // host-local cannot decode this on ADD nor on any DEL: run, it left an orphan per attempt.
    await w.writeNad("default", "bad-ipam", {
      cniVersion: "1.0.0",
      name: "bad-ipam",
      type: "ptp",
      ipam: {
        type: "host-local",
        dataDir: w.dataDir,
        ranges: [[{ subnet: w.subnets.b.subnet }]],
        routes: [{ dst: "default" }],
      },
    });
    await w.writeNad("default", "pm", {
      cniVersion: "1.0.0",
      name: "pm",
      plugins: [
        {
          type: "ptp",
          ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.b.subnet }]] },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    });
    // The usual "static IP per pod" shape: static IPAM configures whatever ips asks, its router's address too.
    await w.writeNad("default", "static-gw", {
      cniVersion: "1.0.0",
      name: "static-gw",
      type: "macvlan",
      master: w.master,
      mode: "bridge",
      capabilities: { ips: true },
      ipam: { type: "static", routes: [{ dst: w.subnets.c.subnet, gw: w.subnets.b.gateway }] },
    });
    await w.writeNad("default", "takes-node-link", {
      cniVersion: "1.0.0",
      name: "takes-node-link",
      type: "host-device",
      device: nodeLink,
    });
    await w.writeNad("default", "passthru-node-link", {
      ...macvlan("passthru-node-link", nodeLink, w.subnets.b.subnet),
      mode: "passthru",
    });
    await w.writeNad(
      "default",
      "readdresses-node-bridge",
      bridgeConf("readdresses-node-bridge", nodeBridge, { isGateway: true, forceAddress: true }),
    );
    hostService = createServer((c) => c.end("HOST-SERVICE"));
    await new Promise<void>((resolve) => hostService.listen(0, "0.0.0.0", resolve));
    await createHostVeth(notBridge, `${notBridge}p`);
    await createHostVeth(nodeLink, `${nodeLink}p`);
    await runCmd("ip", ["addr", "add", nodeAddress, "dev", nodeLink]);
    await createHostBridge(nodeBridge);
    await runCmd("ip", ["addr", "add", nodeBridgeAddress, "dev", nodeBridge]);
    d = await w.start({ clusterNetwork: "gwcluster" });
  });
  afterAll(async () => {
    hostService?.close();
    await deleteHostLinks(notBridge, nodeLink, nodeBridge);
    await w?.cleanup();
  });

  async function expectNothingRan(daemon: TestDaemon, containerId: string): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
    expect(await hostLink(w.clusterBridge), "the cluster bridge was never created").toBeUndefined();
    expect((await daemon.client.api.listAttachments({ containerId })).attachments).toEqual([]);
    const state = join(w.dir, "state");
    expect(await files(join(state, "attachments"))).toEqual([]);
    expect(await files(join(state, "cache"))).toEqual([]);
    expect(daemon.logs.filter((l) => l.msg === "plugin exec" && l.containerId === containerId)).toEqual([]);
  }

  // [what, annotation, reason, status, texts the message must hold]
  const cases: Array<[string, () => string, string, string, () => string[]]> = [
    [
      "a bridge isDefaultGateway cluster network plus a secondary whose IPAM routes include 0.0.0.0/0",
      () => "default/sec-default",
      "DEFAULT_ROUTE_CONFLICT",
      "INVALID_ARGUMENT",
      () => [
        "two IPv4 default routes",
        '"gwcluster" (eth0)',
        clusterConf,
        "plugins[0].isDefaultGateway=true",
        '"default/sec-default" (net1)',
        secNad,
        "plugins[0].ipam.routes[0].dst=0.0.0.0/0",
        '"default-route"',
        "refused before running any plugin",
      ],
    ],
    [
      "a config whose cniVersion (2.0.0) its plugin binary does not support",
      () => "default/v2",
      "INCOMPATIBLE_CNI_VERSION",
      "FAILED_PRECONDITION",
      () => ['"default/v2" (net1)', 'plugin "ptp"', "2.0.0", "1.0.0", "refused before running any plugin"],
    ],
    [
      "a macvlan whose master does not exist on the node",
      () => "default/no-master",
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        '"default/no-master" (net1)',
        'plugin "macvlan"',
        `plugins[0].master names link "${missingMaster}", which does not exist on this node`,
        "the node's links:",
        "refused before running any plugin",
      ],
    ],
    [
      "two networks of the pod with overlapping IPAM ranges",
      () => "default/wide,default/narrow",
      "IPAM_CONFLICT",
      "INVALID_ARGUMENT",
      () => [
        '"default/wide" (net1)',
        '"default/narrow" (net2)',
        "plugins[0].ipam.ranges[0][0].subnet",
        w.subnets.c.subnet,
        "refused before running any plugin",
      ],
    ],
    [
      'an IPAM route the plugin cannot decode (dst "default")',
      () => "default/bad-ipam",
      "INVALID_NETWORK_CONFIG",
      "INVALID_ARGUMENT",
      () => [
        '"default/bad-ipam" (net1)',
        'plugins[0].ipam.routes[0].dst is not a CIDR (address/prefix length), got "default"',
        "refused before running any plugin",
      ],
    ],
    [
      "a bridge name that is a veth on the node",
      () => "default/fake-bridge",
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [`plugins[0].bridge names bridge "${notBridge}"`, "is not a bridge (virtual)"],
    ],
    [
      "an annotation portMappings hostPort a host socket listens on",
      () => JSON.stringify([{ name: "pm", portMappings: [{ hostPort: hostPort(), containerPort: 80 }] }]),
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        `network "default/pm" (net1): the pod's "portMappings" hostPort ${hostPort()}/tcp is taken: a socket of the node listens on 0.0.0.0:${hostPort()}/tcp`,
        "refused before running any plugin",
      ],
    ],
    [
      "an annotation ips entry that is the network's gateway (static IPAM)",
      () => JSON.stringify([{ name: "static-gw", ips: [`${w.subnets.b.gateway}/24`] }]),
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        `network "default/static-gw" (net1): the pod's "ips" entry "${w.subnets.b.gateway}/24" is the network's gateway plugins[0].ipam.routes[0].gw "${w.subnets.b.gateway}"`,
        "a pod's address is never its network's gateway",
        "refused before running any plugin",
      ],
    ],
    [
      "a host-device config whose device holds a node address",
      () => "default/takes-node-link",
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        `network "default/takes-node-link" (net1)`,
        `plugin "host-device" plugins[0].device "${nodeLink}" would move into the pod an interface which holds the node's address ${nodeAddress}`,
        "a network never takes the node's own interfaces for a pod",
        "refused before running any plugin",
      ],
    ],
    [
      "a passthru macvlan on a link that holds a node address",
      () => "default/passthru-node-link",
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        `plugin "macvlan" plugins[0].master "${nodeLink}" with mode "passthru" would give the pod all the traffic of an interface which holds the node's address ${nodeAddress}`,
        "refused before running any plugin",
      ],
    ],
    [
      "a bridge config with forceAddress on a bridge that holds a node address",
      () => "default/readdresses-node-bridge",
      "NODE_RESOURCE_INVALID",
      "FAILED_PRECONDITION",
      () => [
        `network "default/readdresses-node-bridge" (net1)`,
        `plugin "bridge" plugins[0].forceAddress=true with isGateway would replace the addresses of bridge "${nodeBridge}", which holds the node's address ${nodeBridgeAddress}`,
        "refused before running any plugin",
      ],
    ],
  ];

  it.each(cases)(
    "%s: refused by AttachNetworks and ResolveNetworks alike before any plugin runs; the DEL after it succeeds",
    async (_what, annotation, reason, status, texts) => {
      const cid = `pre${Math.random().toString(16).slice(2, 10)}`;
      const attach = await failure(d.client.api.attachNetworks(podRequest(w, cid, annotation())));
      expect(attach.info.reason).toBe(reason);
      expect(attach.code).toBe(status);
      expect(attach.info.metadata).toMatchObject({ phase: "preflight" });
      for (const text of texts()) expect(attach.message).toContain(text);
      expect(attach.message).not.toContain("failed on ADD");
      await expectNothingRan(d, cid);

      const resolve = await failure(d.client.api.resolveNetworks(podRequest(w, cid, annotation())));
      expect(resolve.info.reason).toBe(reason);
      expect(resolve.message).toBe(attach.message);
      await expectNothingRan(d, cid);

      await expect(d.client.api.detachNetworks({ containerId: cid, netnsPath: w.netns.path })).resolves.toEqual({
        removed: [],
        orphaned: [],
      });
      await expectNothingRan(d, cid);
    },
  );

  it("the node's link a host-device config named, and its bridge a bridge config named, keep their addresses", async () => {
    expect(await hostLink(nodeLink)).toBeDefined();
    expect(globalAddrs(await hostAddr(nodeLink))).toEqual([nodeAddress]);
    expect(globalAddrs(await hostAddr(nodeBridge))).toEqual([nodeBridgeAddress]);
  });

  it("a default route only a plugin's result shows is checked after ADD: the ADD fails and is rolled back completely", async () => {
    const f = await failure(d.client.api.attachNetworks(podRequest(w, "opaque1", "default/opaque")));
    expect(f.info.reason).toBe("DEFAULT_ROUTE_CONFLICT");
    for (const text of [
      '"gwcluster" (eth0)',
      "plugins[0].isDefaultGateway=true",
      '"default/opaque" (net1)',
      'got one from plugin "noop" (its ADD result\'s routes[0].dst=0.0.0.0/0)',
      "the ADD is rolled back",
    ]) {
      expect(f.message).toContain(text);
    }
    expect(await w.podLinks()).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
    expect((await d.client.api.listAttachments({ containerId: "opaque1" })).attachments).toEqual([]);
    const noopCalls = (await readFile(w.debugFile, "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { command: string }).command);
    expect(noopCalls).toEqual(["ADD", "DEL"]);
  });

  it("the real node seam reads this host's links and their kinds", async () => {
    const links = createSysfsNodeLinks();
    const names = await links.names();
    expect(names).toEqual(expect.arrayContaining((await hostLinks()).map((l) => l.ifname)));
    expect(await links.kind(w.master)).toBe("bridge");
    expect(await links.kind(notBridge)).toBe("virtual");
    expect(await links.kind(missingMaster)).toBeUndefined();
  });

  describe("defaultRouteConflicts: warn", () => {
    let relaxed: TestDaemon;
    beforeAll(async () => {
      await d.stop();
      relaxed = await w.start({ clusterNetwork: "gwcluster", defaultRouteConflicts: "warn" });
    });

    it("ResolveNetworks answers the plan with the conflict as a warning; the ADD proceeds and its DEL cleans up", async () => {
      const res = await relaxed.client.api.resolveNetworks(podRequest(w, "relaxed1", "default/sec-default"));
      expect(res.networks.map((n) => `${n.network}@${n.interface}`)).toEqual([
        "gwcluster@eth0",
        "default/sec-default@net1",
      ]);
      expect(res.warnings).toHaveLength(1);
      expect(res.warnings[0]).toMatchObject({
        reason: "DEFAULT_ROUTE_CONFLICT",
        networks: ["gwcluster", "default/sec-default"],
      });
      expect(res.warnings[0]!.message).toContain("allowed by defaultRouteConflicts: warn");

      const attached = await relaxed.client.api.attachNetworks(podRequest(w, "relaxed1", "default/sec-default"));
      expect(attached.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1"]);
      expect((await w.podLinks()).sort()).toEqual(["eth0", "net1"]);
      // What the operator allowed: both networks' default routes, as the plugins installed them.
      const defaults = (await w.netns.routes())
        .filter((r) => r.dst === "default")
        .map((r) => `${r.gateway ?? ""} ${r.dev}`);
      expect(defaults.sort()).toEqual([`${w.subnets.a.gateway} net1`, `${w.subnets.cluster.gateway} eth0`].sort());
      expect(relaxed.logs.some((l) => l.reason === "DEFAULT_ROUTE_CONFLICT" && l.level === 40)).toBe(true);

      await relaxed.client.api.detachNetworks({ containerId: "relaxed1", netnsPath: w.netns.path });
      expect(await w.podLinks()).toEqual([]);
      for (const net of await readdir(w.dataDir))
        expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
    });
  });
});
