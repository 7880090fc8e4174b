import { describe, expect, it } from "vitest";
import type { ResolvedNetwork } from "../../resolve/index.js";
import { buildPlan } from "../plan.js";
import { conf, conflist, network, request } from "../testing.test-helper.js";
import { readDelegateFacts } from "./delegate-facts.js";
import { ipamFindings } from "./ipam-checks.js";
import { factsOf, hostLocal } from "./preflight.test-helper.js";

const cluster = network("cluster", "cbr0", conf("cbr0", "bridge", { ipam: hostLocal("10.1.0.0/16") }));

describe("IPAM checks", () => {
  it("refuses two networks of one pod whose ranges overlap, naming both networks, keys and subnets", () => {
    const a = network(
      "selected",
      "default/a",
      conf("a", "macvlan", { master: "eth0", ipam: hostLocal("10.20.0.0/16") }),
    );
    const b = network(
      "selected",
      "default/b",
      conf("b", "ptp", {
        ipam: { type: "host-local", ranges: [[{ subnet: "10.30.0.0/24" }, { subnet: "10.20.5.0/24" }]] },
      }),
    );
    const [f, ...rest] = ipamFindings(factsOf(cluster, a, b));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "IPAM_CONFLICT",
      networks: ["default/a", "default/b"],
      relaxed: false,
      context: { network: "default/b", ifName: "net2", phase: "preflight" },
    });
    expect(f!.message).toContain(
      'network "default/a" (net1) in NetworkAttachmentDefinition default/a (/nads/a.yaml) has plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16"',
    );
    expect(f!.message).toContain(
      'network "default/b" (net2) in NetworkAttachmentDefinition default/b (/nads/b.yaml) has plugins[0].ipam.ranges[0][1].subnet "10.20.5.0/24"',
    );
    expect(f!.message).toContain("refused before running any plugin");
  });

  it("sees static addresses and the legacy subnet key too; IPv4 never overlaps IPv6", () => {
    const st = network(
      "selected",
      "default/st",
      conf("st", "ipvlan", {
        master: "eth0",
        ipam: { type: "static", addresses: [{ address: "10.1.7.9/24" }, { address: "fd00::9/64" }] },
      }),
    );
    expect(ipamFindings(factsOf(cluster, st)).map((f) => f.code)).toEqual(["IPAM_CONFLICT"]);
    const six = network(
      "selected",
      "default/six",
      conf("six", "ptp", { ipam: { type: "host-local", subnet: "fd00::/64" } }),
    );
    expect(ipamFindings(factsOf(cluster, six))).toEqual([]);
  });

  it("allows one network twice and a network in its own VRF", () => {
    const a = network(
      "selected",
      "default/a",
      conf("a", "macvlan", { master: "eth0", ipam: hostLocal("10.20.0.0/16") }),
    );
    const a2 = network(
      "selected",
      "default/a",
      conf("a", "macvlan", { master: "eth0", ipam: hostLocal("10.20.0.0/16") }),
      { interface: "a2" },
    );
    const vrf = network(
      "selected",
      "default/v",
      conflist("v", [
        { type: "macvlan", master: "eth0", ipam: hostLocal("10.1.0.0/16") },
        { type: "vrf", vrfname: "blue" },
      ]),
    );
    expect(ipamFindings(factsOf(cluster, a, a2, vrf))).toEqual([]);
  });

  it.each([
    ["rangeStart", { rangeStart: "10.2.0.10" }, "plugins[0].ipam.ranges[0][0].rangeStart"],
    ["rangeEnd", { rangeEnd: "10.1.255.255" }, ""],
    ["gateway", { gateway: "192.168.0.1" }, "plugins[0].ipam.ranges[0][0].gateway"],
    // IPv4-mapped is that IPv4 address (host-local takes its To4()): inside.
    ["gateway", { gateway: "::ffff:10.1.0.1" }, ""],
  ])("refuses a host-local %s outside its subnet (or accepts one inside)", (_what, extra, key) => {
    const n = network("selected", "default/r", conf("r", "ptp", { ipam: hostLocal("10.1.0.0/16", extra) }));
    const findings = ipamFindings(factsOf(n));
    if (key === "") return expect(findings).toEqual([]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: "INVALID_NETWORK_CONFIG", networks: ["default/r"] });
    expect(findings[0]!.message).toContain(
      `${key} "${Object.values(extra)[0]}" is outside its subnet plugins[0].ipam.ranges[0][0].subnet "10.1.0.0/16"`,
    );
  });

  it("refuses a static gateway outside its address's subnet", () => {
    const n = network(
      "selected",
      "default/st",
      conf("st", "macvlan", {
        master: "eth0",
        ipam: { type: "static", addresses: [{ address: "10.6.0.5/24", gateway: "10.7.0.1" }] },
      }),
    );
    const [f] = ipamFindings(factsOf(n));
    expect(f!.message).toContain(
      'plugins[0].ipam.addresses[0].gateway "10.7.0.1" is outside its subnet plugins[0].ipam.addresses[0].address "10.6.0.5/24"',
    );
  });

  it("refuses a default-route gateway outside the network's subnets of its family", () => {
    const n = (gw: string) =>
      network("selected", "default/a", conf("a", "macvlan", { master: "eth0", ipam: hostLocal("10.20.0.0/16") }), {
        defaultRoute: [gw],
      });
    const [f] = ipamFindings(factsOf(cluster, n("10.99.0.1")));
    expect(f).toMatchObject({ code: "INVALID_ANNOTATION", networks: ["default/a"] });
    expect(f!.message).toContain(
      'default-route gateway "10.99.0.1" is outside the network\'s subnets (plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16"',
    );
    expect(ipamFindings(factsOf(cluster, n("10.20.0.1")))).toEqual([]);
    // IPv4-mapped is IPv4, as the plugins take it: on the subnet, or off it naming the IPv4 subnet.
    expect(ipamFindings(factsOf(cluster, n("::ffff:10.20.0.1")))).toEqual([]);
    expect(ipamFindings(factsOf(cluster, n("::ffff:10.99.0.1")))[0]!.message).toContain(
      'default-route gateway "::ffff:10.99.0.1" is outside the network\'s subnets (plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16"',
    );
  });

  it("refuses a default-route gateway of a family the network has no range or address for", () => {
    const n = (gw: string, ipam: object, extra: object = {}, ips?: string[]) =>
      network("selected", "default/a", conf("a", "ptp", { ipam, ...extra }), {
        defaultRoute: [gw],
        ...(ips !== undefined ? { ips } : {}),
      });
    const [f, ...rest] = ipamFindings(factsOf(cluster, n("fd51::1", hostLocal("10.20.0.0/16"))));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "INVALID_ANNOTATION", networks: ["default/a"], context: { ifName: "net1" } });
    expect(f!.message).toBe(
      'network "default/a" (net1): default-route gateway "fd51::1" is IPv6, but the network has no IPv6 range or address to reach it (plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16" in NetworkAttachmentDefinition default/a (/nads/a.yaml)); refused before running any plugin',
    );
    // An IPv4 gateway on an IPv6-only network, the same.
    expect(ipamFindings(factsOf(cluster, n("10.20.0.1", hostLocal("fd52::/64"))))[0]!.message).toContain(
      'default-route gateway "10.20.0.1" is IPv4, but the network has no IPv4 range or address',
    );
    // Addresses the plugin learns at run time (DHCP), or no IPAM at all: nothing known to say.
    expect(ipamFindings(factsOf(cluster, n("fd51::1", { type: "dhcp" })))).toEqual([]);
    expect(ipamFindings(factsOf(cluster, n("fd51::1", {})))).toEqual([]);
    // static IPAM takes its addresses from ips too: an IPv6 one there gives the network IPv6.
    const staticV4 = { type: "static", addresses: [{ address: "10.20.0.5/16" }] };
    expect(
      ipamFindings(factsOf(cluster, n("fd51::1", staticV4, { capabilities: { ips: true } }, ["fd51::5/64"]))),
    ).toEqual([]);
  });

  it("refuses a static IP asked for with ips outside host-local's ranges, from a selection or from the runtime", () => {
    const caps = { capabilities: { ips: true } };
    const n = (ips: string[]) =>
      network(
        "selected",
        "default/a",
        conf("a", "macvlan", { master: "eth0", ipam: hostLocal("10.20.0.0/16"), ...caps }),
        { ips },
      );
    const [f, ...rest] = ipamFindings(factsOf(cluster, n(["10.20.3.4/16", "10.99.0.5/24"])));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "INVALID_ANNOTATION", networks: ["default/a"] });
    expect(f!.message).toContain(
      'ips "10.99.0.5/24" from the network selection is outside the network\'s host-local ranges (plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16"',
    );
    const clusterIps = network("cluster", "cbr0", conf("cbr0", "bridge", { ipam: hostLocal("10.1.0.0/16"), ...caps }));
    const [g] = ipamFindings(buildPlanFacts(clusterIps, ["10.2.0.9"]));
    expect(g).toMatchObject({ code: "INVALID_REQUEST", networks: ["cbr0"] });
    expect(g!.message).toContain("from the runtime's runtimeConfig");
    expect(ipamFindings(buildPlanFacts(clusterIps, ["10.1.0.9"]))).toEqual([]);
  });

  // Finding 10: host-local gave 10.251.3.9/24 for "10.251.3.9/8" and "10.251.3.9/30", without a word.
  it("refuses an ips prefix length other than its host-local range's, from a selection or from the runtime", () => {
    const caps = { capabilities: { ips: true } };
    const ranges = { type: "host-local", ranges: [[{ subnet: "10.20.0.0/16" }], [{ subnet: "fd20::/64" }]] };
    const n = (ips: string[]) =>
      network("selected", "default/a", conf("a", "macvlan", { master: "eth0", ipam: ranges, ...caps }), { ips });
    const [f, ...rest] = ipamFindings(factsOf(cluster, n(["10.20.3.4/8", "fd20::4/64"])));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "INVALID_ANNOTATION", networks: ["default/a"], context: { plugin: "host-local" } });
    expect(f!.message).toBe(
      'network "default/a" (net1): ips "10.20.3.4/8" from the network selection has prefix length /8, but host-local gives its range\'s /16 (plugins[0].ipam.ranges[0][0].subnet "10.20.0.0/16" in NetworkAttachmentDefinition default/a (/nads/a.yaml)): write "10.20.3.4/16" or "10.20.3.4"; refused before running any plugin',
    );
    expect(ipamFindings(factsOf(cluster, n(["10.20.3.4/16", "fd20::4/80"])))[0]!.message).toContain(
      'ips "fd20::4/80" from the network selection has prefix length /80, but host-local gives its range\'s /64',
    );
    expect(ipamFindings(factsOf(cluster, n(["10.20.3.4/16", "fd20::4", "10.20.3.5"])))).toEqual([]);
    const clusterIps = network("cluster", "cbr0", conf("cbr0", "bridge", { ipam: hostLocal("10.1.0.0/16"), ...caps }));
    const [g] = ipamFindings(buildPlanFacts(clusterIps, ["10.1.0.9/30"]));
    expect(g).toMatchObject({ code: "INVALID_REQUEST", networks: ["cbr0"] });
    expect(g!.message).toContain(`ips "10.1.0.9/30" from the runtime's runtimeConfig has prefix length /30`);
  });
});

function buildPlanFacts(n: ResolvedNetwork, ips: string[]) {
  return buildPlan(request({ runtimeConfig: { ips } }), [n]).delegates.map(readDelegateFacts);
}

describe("IPAM the plugin cannot decode", () => {
  // Each of these made host-local fail on ADD and on every DEL: a permanent orphan per attempt.
  const range = [[{ subnet: "10.9.0.0/24" }]];
  it.each([
    [
      { type: "host-local", ranges: [[{ subnet: "10.78.60.0/33" }]] },
      'ipam.ranges[0][0].subnet is not a CIDR (address/prefix length), got "10.78.60.0/33"',
    ],
    [{ type: "host-local", ranges: [[{ subnet: "10.78.60.5" }]] }, "ipam.ranges[0][0].subnet is not a CIDR"],
    [{ type: "host-local", ranges: [[{ subnet: {} }]] }, "ipam.ranges[0][0].subnet must be a string, got {}"],
    [{ type: "host-local", ranges: "x" }, 'ipam.ranges must be a list, got "x"'],
    [{ type: "host-local", ranges: [null] }, "ipam.ranges[0] must be a list, got null"],
    [{ type: "host-local", ranges: [[null]] }, "ipam.ranges[0][0] must be a JSON object, got null"],
    [{ type: "host-local", ranges: [[]] }, "ipam.ranges[0] is an empty range set"],
    [
      { type: "host-local", ranges: [[{ subnet: "10.9.0.0/24", rangeStart: 5 }]] },
      "ipam.ranges[0][0].rangeStart must be a string, got 5",
    ],
    [
      { type: "host-local", ranges: [[{ subnet: "10.9.0.0/24", gateway: "gw" }]] },
      'ipam.ranges[0][0].gateway is not an IP address, got "gw"',
    ],
    [
      { type: "host-local", ranges: range, routes: [{ dst: "default" }] },
      'ipam.routes[0].dst is not a CIDR (address/prefix length), got "default"',
    ],
    [{ type: "host-local", ranges: range, routes: [{ dst: "0/0" }] }, "ipam.routes[0].dst is not a CIDR"],
    [
      { type: "host-local", ranges: range, routes: [{ dst: "10.8.0.0/16", gw: "not-an-ip" }] },
      'ipam.routes[0].gw is not an IP address, got "not-an-ip"',
    ],
    [{ type: "host-local", ranges: range, routes: {} }, "ipam.routes must be a list, got {}"],
    [{ type: "host-local", ranges: range, resolvConf: 7 }, "ipam.resolvConf must be a string, got 7"],
    [{ type: "host-local", ranges: range, dataDir: "/x\u0000y" }, "ipam.dataDir contains a NUL character"],
    [
      { type: "host-local", ranges: [[{ subnet: "10.9.0.0/24" }], [{ subnet: "10.9.0.128/25" }]] },
      'ipam.ranges[1][0].subnet overlaps plugins[0].ipam.ranges[0][0].subnet "10.9.0.0/24" of another range set',
    ],
    [{ type: "host-local" }, "ipam.ranges is missing: host-local needs at least one range (or subnet)"],
    [
      { type: "static", addresses: [{ address: "10.9.0.5" }] },
      'ipam.addresses[0].address is not a CIDR (address/prefix length), got "10.9.0.5"',
    ],
    [
      { type: "static", addresses: [{ address: "10.9.0.5/24", gateway: "x" }] },
      'ipam.addresses[0].gateway is not an IP address, got "x"',
    ],
  ])("refuses %j, naming the key", (ipam, message) => {
    const net = network("selected", "default/o1", conf("o1", "ptp", { ipam }));
    const [f, ...rest] = ipamFindings(factsOf(cluster, net));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "INVALID_NETWORK_CONFIG", networks: ["default/o1"], relaxed: false });
    expect(f!.message).toContain(`network "default/o1" (net1) in `);
    expect(f!.message).toContain(`: plugins[0].${message}`);
    expect(f!.message).toContain("refused before running any plugin");
  });

  it("refuses a conf whose args is no object, as host-local decodes the whole conf", () => {
    const net = network("selected", "default/o2", conf("o2", "ptp", { args: "x", ipam: hostLocal("10.9.0.0/24") }));
    expect(ipamFindings(factsOf(cluster, net)).map((f) => f.message)).toEqual([
      expect.stringContaining('plugins[0].args must be a JSON object, got "x"'),
    ]);
  });

  it("accepts what the plugins accept: bare range bounds, null keys, IPv6, disjoint range sets, static", () => {
    const ok = network(
      "selected",
      "default/ok",
      conf("ok", "ptp", {
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: "10.9.0.0/24", rangeStart: "10.9.0.10", gateway: null }], [{ subnet: "fd00::/64" }]],
          routes: [{ dst: "10.8.0.0/16" }, { dst: "fd01::/64", gw: "fd00::1" }],
          dataDir: "/var/lib/cni/networks",
          resolvConf: null,
        },
      }),
    );
    const st = network(
      "selected",
      "default/st",
      conf("st", "ptp", { ipam: { type: "static", addresses: [{ address: "10.7.0.5/24", gateway: "10.7.0.1" }] } }),
    );
    expect(ipamFindings(factsOf(cluster, ok, st))).toEqual([]);
  });

  it("refuses the runtime's bare ips for static IPAM, which wants CIDRs; host-local takes them", () => {
    const st = network("cluster", "st", conf("st", "ptp", { ipam: { type: "static" }, capabilities: { ips: true } }));
    const [f, ...rest] = ipamFindings(buildPlanFacts(st, ["10.7.0.5"]));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: "INVALID_REQUEST" });
    expect(f!.message).toContain(`ips "10.7.0.5" from the runtime's runtimeConfig has no prefix length`);
    const hl = network(
      "cluster",
      "hl",
      conf("hl", "ptp", { ipam: hostLocal("10.7.0.0/24"), capabilities: { ips: true } }),
    );
    expect(ipamFindings(buildPlanFacts(hl, ["10.7.0.5"]))).toEqual([]);
  });
});
