import { describe, expect, it } from "vitest";
import { conf, network } from "../testing.test-helper.js";
import type { NodeView } from "./node-links.js";
import { nodeResourceFindings } from "./node-resource-checks.js";
import { factsOf } from "./preflight.test-helper.js";

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
