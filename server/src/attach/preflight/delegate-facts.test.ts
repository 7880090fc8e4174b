import { describe, expect, it } from "vitest";
import { conf, conflist, network } from "../testing.test-helper.js";
import { factsOf, hostLocal } from "./preflight.test-helper.js";

describe("readDelegateFacts", () => {
  it("names keys as in the delegate config list (a single conf is a one-plugin list there)", () => {
    const [cluster, sec] = factsOf(
      network(
        "cluster",
        "cbr0",
        conflist("cbr0", [
          { type: "bridge", bridge: "cni0", isDefaultGateway: true, ipam: hostLocal("10.1.0.0/16") },
          { type: "portmap" },
        ]),
      ),
      network(
        "selected",
        "default/sec",
        conf("sec", "macvlan", { master: "eth9", ipam: hostLocal("10.2.0.0/24", {}, ["0.0.0.0/0", "10.9.0.0/16"]) }),
      ),
    );
    expect(cluster!.defaultRoutes).toEqual([
      { key: "plugins[0].isDefaultGateway", value: "true", plugin: "bridge", family: 4 },
    ]);
    expect(cluster!.nodeLinks).toEqual([
      { key: "plugins[0].bridge", value: "cni0", plugin: "bridge", wants: "bridge" },
    ]);
    expect(sec!.defaultRoutes).toEqual([
      { key: "plugins[0].ipam.routes[0].dst", value: "0.0.0.0/0", plugin: "host-local", family: 4 },
    ]);
    expect(sec!.nodeLinks).toEqual([{ key: "plugins[0].master", value: "eth9", plugin: "macvlan", wants: "link" }]);
    expect(sec!.subnets.map((s) => [s.key, s.value])).toEqual([["plugins[0].ipam.ranges[0][0].subnet", "10.2.0.0/24"]]);
    expect(sec!.source).toBe("NetworkAttachmentDefinition default/sec (/nads/sec.yaml)");
  });

  it("gives isDefaultGateway one route per family the bridge gets an address in; only a JSON true counts", () => {
    const ipam = { type: "host-local", ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "fd00:1::/64" }]] };
    const [dual] = factsOf(network("cluster", "cbr0", conf("cbr0", "bridge", { isDefaultGateway: true, ipam })));
    expect(dual!.defaultRoutes.map((r) => r.family)).toEqual([4, 6]);
    const [str] = factsOf(network("cluster", "cbr0", conf("cbr0", "bridge", { isDefaultGateway: "true", ipam })));
    expect(str!.defaultRoutes).toEqual([]);
  });

  it("defaults the bridge name to cni0, reads the legacy host-local subnet and static addresses", () => {
    const [b, s] = factsOf(
      network(
        "cluster",
        "cbr0",
        conf("cbr0", "bridge", {
          ipam: { type: "host-local", subnet: "10.5.0.0/16", gateway: "10.5.0.1", routes: [{ dst: "::/0" }] },
        }),
      ),
      network(
        "selected",
        "default/st",
        conf("st", "ipvlan", {
          master: "eth0",
          ipam: {
            type: "static",
            addresses: [{ address: "10.6.0.5/24", gateway: "10.6.0.1" }],
            routes: [{ dst: "0.0.0.0/0", gw: "10.6.0.1" }],
          },
        }),
      ),
    );
    expect(b!.nodeLinks[0]).toMatchObject({ key: "plugins[0].bridge", value: "cni0" });
    expect(b!.subnets.map((x) => x.key)).toEqual(["plugins[0].ipam.subnet"]);
    expect(b!.pinned.map((x) => [x.key, x.value])).toEqual([["plugins[0].ipam.gateway", "10.5.0.1"]]);
    expect(b!.defaultRoutes).toEqual([
      { key: "plugins[0].ipam.routes[0].dst", value: "::/0", plugin: "host-local", family: 6 },
    ]);
    expect(s!.subnets.map((x) => [x.key, x.value])).toEqual([["plugins[0].ipam.addresses[0].address", "10.6.0.5/24"]]);
    expect(s!.pinned.map((x) => x.key)).toEqual(["plugins[0].ipam.addresses[0].gateway"]);
    expect(s!.defaultRoutes.map((r) => r.key)).toEqual(["plugins[0].ipam.routes[0].dst"]);
  });

  it("marks routes unreadable for unknown plugins and DHCP, and checks nothing of an unknown plugin", () => {
    const [unknown, dhcp] = factsOf(
      network(
        "cluster",
        "calico",
        conf("calico", "calico", { master: "nope", ipam: hostLocal("10.1.0.0/16", {}, ["0.0.0.0/0"]) }),
      ),
      network("selected", "default/d", conf("d", "macvlan", { master: "eth0", ipam: { type: "dhcp" } })),
    );
    expect(unknown).toMatchObject({ routesUnreadableBy: "calico", defaultRoutes: [], subnets: [], nodeLinks: [] });
    expect(dhcp).toMatchObject({ routesUnreadableBy: "dhcp", defaultRoutes: [], subnets: [] });
    expect(dhcp!.nodeLinks).toHaveLength(1);
  });

  it("knows that vrf and sbr move an interface's routes to their own table; meta plugins add none", () => {
    const [v, m] = factsOf(
      network(
        "cluster",
        "cbr0",
        conflist("cbr0", [
          { type: "macvlan", master: "eth0", ipam: hostLocal("10.1.0.0/16", {}, ["0.0.0.0/0"]) },
          { type: "vrf", vrfname: "blue" },
        ]),
      ),
      network(
        "selected",
        "default/m",
        conflist("m", [
          { type: "ptp", ipam: hostLocal("10.2.0.0/16") },
          { type: "tuning" },
          { type: "portmap" },
          { type: "bandwidth" },
          { type: "firewall" },
        ]),
      ),
    );
    expect(v!.ownTable).toBe(true);
    expect(m).toMatchObject({ ownTable: false });
    expect(m!.routesUnreadableBy).toBeUndefined();
  });
});
