import { describe, expect, it } from "vitest";
import { conf, conflist, network } from "../testing.test-helper.js";
import type { DelegateFacts } from "./delegate-facts.js";
import { defaultRouteConflicts, settledFamilies, type DefaultRoutePolicy } from "./default-route-conflicts.js";
import { factsOf, hostLocal } from "./preflight.test-helper.js";

const clusterGw = network(
  "cluster",
  "cbr0",
  conflist("cbr0", [{ type: "bridge", isDefaultGateway: true, ipam: hostLocal("10.1.0.0/16") }]),
);
const secondaryDefault = (selection = {}) =>
  network(
    "selected",
    "default/sec",
    conf("sec", "macvlan", { master: "eth0", ipam: hostLocal("10.2.0.0/24", {}, ["0.0.0.0/0"]) }),
    selection,
  );
const v6Only = network("selected", "default/six", conf("six", "ptp", { ipam: hostLocal("fd00:2::/64", {}, ["::/0"]) }));

function conflicts(all: DelegateFacts[], policy: DefaultRoutePolicy = "reject") {
  const sources = all.map((facts) => ({ facts, routes: facts.defaultRoutes, from: "config" as const }));
  return defaultRouteConflicts(sources, settledFamilies(all), { policy, outcome: "refused before running any plugin" });
}

describe("default routes from configs", () => {
  it("refuses bridge isDefaultGateway plus a secondary's IPAM route to 0.0.0.0/0, naming both networks, keys, sources and the way out", () => {
    const [f, ...rest] = conflicts(factsOf(clusterGw, secondaryDefault()));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "DEFAULT_ROUTE_CONFLICT", networks: ["cbr0", "default/sec"], relaxed: false });
    expect(f!.context).toMatchObject({
      network: "default/sec",
      ifName: "net1",
      plugin: "host-local",
      phase: "preflight",
      source: "NetworkAttachmentDefinition default/sec (/nads/sec.yaml)",
    });
    for (const part of [
      "two IPv4 default routes (0.0.0.0/0)",
      'network "cbr0" (eth0) in /etc/cni/net.d/cbr0.conf sets one by plugins[0].isDefaultGateway=true',
      'network "default/sec" (net1) in NetworkAttachmentDefinition default/sec (/nads/sec.yaml) sets one by plugins[0].ipam.routes[0].dst=0.0.0.0/0',
      '"default-route"',
      "refused before running any plugin",
    ]) {
      expect(f!.message).toContain(part);
    }
  });

  it("is a warning, not a refusal, with defaultRouteConflicts: warn", () => {
    expect(conflicts(factsOf(clusterGw, secondaryDefault()), "warn")).toEqual([
      expect.objectContaining({ code: "DEFAULT_ROUTE_CONFLICT", relaxed: true }),
    ]);
  });

  it("checks each family on its own: one IPv4 and one IPv6 default route are fine; two IPv6 are not", () => {
    expect(conflicts(factsOf(clusterGw, v6Only))).toEqual([]);
    const dualCluster = network(
      "cluster",
      "cbr0",
      conf("cbr0", "bridge", {
        isDefaultGateway: true,
        ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "fd00:1::/64" }]] },
      }),
    );
    const [f] = conflicts(factsOf(dualCluster, v6Only));
    expect(f!.message).toContain("two IPv6 default routes (::/0)");
  });

  it("lets a default-route selection choose: the daemon then keeps only the requested route of that family", () => {
    expect(conflicts(factsOf(clusterGw, secondaryDefault({ defaultRoute: ["10.2.0.1"] })))).toEqual([]);
    // An IPv4-mapped gateway is IPv4 (the plugins and netlink take its To4()): it settles IPv4.
    expect(conflicts(factsOf(clusterGw, secondaryDefault({ defaultRoute: ["::ffff:10.2.0.1"] })))).toEqual([]);
    // An IPv6 request settles IPv6 only.
    const dualCluster = network(
      "cluster",
      "cbr0",
      conf("cbr0", "bridge", {
        isDefaultGateway: true,
        ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "fd00:1::/64" }]] },
      }),
    );
    const six = network(
      "selected",
      "default/six",
      conf("six", "ptp", { ipam: hostLocal("fd00:2::/64", {}, ["::/0"]) }),
      { defaultRoute: ["fd00:2::1"] },
    );
    expect(conflicts(factsOf(dualCluster, six, secondaryDefault())).map((f) => f.message.slice(0, 30))).toEqual([
      "two IPv4 default routes (0.0.0",
    ]);
  });

  it("treats an empty default-route request (remove them all) as a choice for both families", () => {
    expect(conflicts(factsOf(clusterGw, secondaryDefault({ defaultRoute: [] })))).toEqual([]);
  });

  it("does not count two sources inside one delegate, nor a network whose routes live in their own table", () => {
    const both = network(
      "cluster",
      "cbr0",
      conf("cbr0", "bridge", { isDefaultGateway: true, ipam: hostLocal("10.1.0.0/16", {}, ["0.0.0.0/0"]) }),
    );
    expect(conflicts(factsOf(both))).toEqual([]);
    const sbr = network(
      "selected",
      "default/sbr",
      conflist("sbr", [
        { type: "macvlan", master: "eth0", ipam: hostLocal("10.2.0.0/24", {}, ["0.0.0.0/0"]) },
        { type: "sbr" },
      ]),
    );
    expect(conflicts(factsOf(clusterGw, sbr))).toEqual([]);
  });

  it("refuses one network attached twice when both interfaces would carry the default route", () => {
    const twice = network(
      "selected",
      "default/sec",
      conf("sec", "macvlan", { master: "eth0", ipam: hostLocal("10.2.0.0/24", {}, ["0.0.0.0/0"]) }),
      { interface: "data1" },
    );
    expect(conflicts(factsOf(clusterGw, twice, secondaryDefault()))).toHaveLength(1);
  });
});
