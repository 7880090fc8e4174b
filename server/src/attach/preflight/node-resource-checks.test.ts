import { describe, expect, it } from "vitest";
import { conf, network } from "../testing.test-helper.js";
import type { NodeUseView, NodeView } from "./node-links.js";
import { nodeResourceFindings, podOptionFindings } from "./node-resource-checks.js";
import { factsOf, hostLocal } from "./preflight.test-helper.js";

const node = (links: Record<string, string>, extra: string[] = []): NodeView => ({
  names: [...Object.keys(links), ...extra],
  kinds: new Map(Object.entries(links)),
});

describe("node resource checks", () => {
  it.each([
    ["macvlan", "master"],
    ["ipvlan", "master"],
    ["vlan", "master"],
    ["host-device", "device"],
  ])(
    "refuses a %s whose %s is not a link of the node, naming network, key, value and the node's links",
    (type, field) => {
      const n = network("selected", "default/x", conf("x", type, { [field]: "eth9" }));
      const [f, ...rest] = nodeResourceFindings(factsOf(n), node({ eth0: "device", lo: "device" }));
      expect(rest).toEqual([]);
      expect(f).toMatchObject({
        code: "NODE_RESOURCE_INVALID",
        networks: ["default/x"],
        context: { network: "default/x", plugin: type, ifName: "net0", phase: "preflight" },
      });
      expect(f!.message).toContain(
        `plugin "${type}" plugins[0].${field} names link "eth9", which does not exist on this node`,
      );
      expect(f!.message).toContain("the node's links: eth0, lo");
      expect(f!.message).toContain("refused before running any plugin");
    },
  );

  it("passes when the link exists", () => {
    const n = network("selected", "default/x", conf("x", "macvlan", { master: "eth0" }));
    expect(nodeResourceFindings(factsOf(n), node({ eth0: "device" }))).toEqual([]);
  });

  it("lets a bridge be absent (the plugin creates it) but not another kind of link", () => {
    const n = network("cluster", "cbr0", conf("cbr0", "bridge", { bridge: "eth0" }));
    expect(nodeResourceFindings(factsOf(n), node({}))).toEqual([]);
    expect(nodeResourceFindings(factsOf(n), node({ eth0: "bridge" }))).toEqual([]);
    const [f] = nodeResourceFindings(factsOf(n), node({ eth0: "device" }));
    expect(f!.message).toContain(
      'plugins[0].bridge names bridge "eth0", but the node\'s link "eth0" is not a bridge (device)',
    );
  });

  it("checks the default bridge name cni0 too", () => {
    const n = network("cluster", "cbr0", conf("cbr0", "bridge"));
    expect(nodeResourceFindings(factsOf(n), node({ cni0: "vlan" }))[0]!.message).toContain('names bridge "cni0"');
  });

  it("passes unknown plugins unchecked", () => {
    const n = network("selected", "default/x", conf("x", "sriov", { master: "nope", device: "nope" }));
    expect(nodeResourceFindings(factsOf(n), node({}))).toEqual([]);
  });

  it("lists at most 20 links, pod veths last", () => {
    const veths = Array.from({ length: 30 }, (_, i) => `veth${i.toString(16).padStart(8, "0")}`);
    const n = network("selected", "default/x", conf("x", "macvlan", { master: "eth9" }));
    const [f] = nodeResourceFindings(factsOf(n), node({}, [...veths, "eth0", "br-data"]));
    expect(f!.message).toContain("the node's links: eth0, br-data, veth00000000,");
    expect(f!.message).toContain("(12 more)");
  });
});

describe("a pod's ips against the network's gateway", () => {
  /** The node holds 192.0.2.2 on eth0 only: no gateway below is the node's. */
  const nodeUse: NodeUseView = {
    addressing: { links: [{ name: "eth0", addresses: ["192.0.2.2/24"] }], defaultRouteLinks: ["eth0"] },
    deviceLinks: new Map(),
  };
  const withIps = (ipam: Record<string, unknown>, ips: string[]) =>
    network("selected", "default/st", conf("st", "macvlan", { master: "eth0", capabilities: { ips: true }, ipam }), {
      ips,
    });
  const STATIC = {
    type: "static",
    addresses: [{ address: "10.6.0.5/24", gateway: "10.6.0.254" }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.6.0.1" }],
  };

  it.each<[string, Record<string, unknown>, string, string]>([
    ["static IPAM's route gw", STATIC, "10.6.0.1/24", 'plugins[0].ipam.routes[0].gw "10.6.0.1"'],
    ["static IPAM's address gateway", STATIC, "10.6.0.254/24", 'plugins[0].ipam.addresses[0].gateway "10.6.0.254"'],
    [
      "host-local's range gateway",
      hostLocal("10.7.0.0/24", { gateway: "10.7.0.1" }),
      "10.7.0.1",
      'plugins[0].ipam.ranges[0][0].gateway "10.7.0.1"',
    ],
    [
      "host-local's legacy gateway",
      { type: "host-local", subnet: "fd00:7::/64", gateway: "fd00:7::1" },
      "fd00:7:0::1/64",
      'plugins[0].ipam.gateway "fd00:7::1"',
    ],
    // The plugins configure an IPv4-mapped address as the IPv4 address.
    ["static IPAM's route gw, IPv4-mapped", STATIC, "::ffff:10.6.0.1/120", 'plugins[0].ipam.routes[0].gw "10.6.0.1"'],
  ])(
    "refuses an ips entry that is %s, naming network, interface, option, value and the key",
    (_what, ipam, ip, key) => {
      const [f, ...rest] = podOptionFindings(factsOf(withIps(ipam, [ip])), nodeUse);
      expect(rest).toEqual([]);
      expect(f).toMatchObject({
        code: "NODE_RESOURCE_INVALID",
        networks: ["default/st"],
        context: { network: "default/st", ifName: "net0", phase: "preflight", plugin: "macvlan" },
      });
      expect(f!.message).toBe(
        `network "default/st" (net0): the pod's "ips" entry "${ip}" is the network's gateway ${key} in NetworkAttachmentDefinition default/st (/nads/st.yaml); ` +
          "a pod's address is never its network's gateway (the router on its link); refused before running any plugin",
      );
    },
  );

  it("passes an address that is no gateway, and names the node's address first when the gateway is the node's", () => {
    expect(podOptionFindings(factsOf(withIps(STATIC, ["10.6.0.7/24"])), nodeUse)).toEqual([]);
    const nodeIsGateway = { ...STATIC, routes: [{ dst: "0.0.0.0/0", gw: "192.0.2.2" }] };
    const findings = podOptionFindings(factsOf(withIps(nodeIsGateway, ["192.0.2.2/24"])), nodeUse);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining("is the node's own address 192.0.2.2/24 on eth0; a pod's options never take"),
    ]);
  });
});
