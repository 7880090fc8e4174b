import { describe, expect, it } from "vitest";
import { buildAttachedInterface } from "./attached-interface.js";
import { toNetworkStatus } from "./network-status.js";
import { interfaceSummaries } from "./list-attachments.js";
import { buildPlan } from "./plan.js";
import { conf, network, request } from "./testing.test-helper.js";

const plan = buildPlan(request(), [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/multi", conf("multi", "x")),
]);
const [cluster, multi] = plan.delegates as [(typeof plan.delegates)[0], (typeof plan.delegates)[0]];

describe("network-status", () => {
  it("takes the sandbox interface named ifName, its IPs and IPs without an interface index, plain addresses", () => {
    const result = {
      cniVersion: "1.0.0",
      interfaces: [
        { name: "host-side", mac: "aa:00:00:00:00:01" },
        { name: "other", mac: "aa:00:00:00:00:02", sandbox: "/ns" },
        { name: "net1", mac: "aa:00:00:00:00:03", mtu: 9000, sandbox: "/ns" },
      ],
      ips: [
        { address: "10.1.0.5/24", interface: 1 },
        { address: "10.2.0.5/24", gateway: "10.2.0.1", interface: 2 },
        { address: "fd00::5/64" },
      ],
      routes: [
        { dst: "0.0.0.0/0", gw: "10.2.0.1" },
        { dst: "10.9.0.0/16", gw: "10.2.0.9" },
      ],
    };
    const [entry] = toNetworkStatus([buildAttachedInterface(multi, result)]);
    expect(entry).toEqual({
      name: "default/multi",
      interface: "net1",
      ips: ["10.2.0.5", "fd00::5"],
      mac: "aa:00:00:00:00:03",
      mtu: 9000,
      default: false,
      dns: {},
      gateway: ["10.2.0.1"],
    });
  });

  // Finding 7: tuning reports the mac it was given, so "0211.2233.4455" reached network-status as written.
  it("reports the interface's MAC as the kernel writes it, whatever notation the plugin's result used", () => {
    const withMac = (mac: string) =>
      buildAttachedInterface(multi, { cniVersion: "1.0.0", interfaces: [{ name: "net1", mac, sandbox: "/ns" }] });
    for (const mac of ["0211.2233.44AA", "02-11-22-33-44-AA", "02:11:22:33:44:AA"]) {
      expect(toNetworkStatus([withMac(mac)])[0]?.mac).toBe("02:11:22:33:44:aa");
    }
    // An InfiniBand link's 20-byte address is its own; not a hardware address at all is left as it is.
    const ib = Array(20).fill("A0").join(":");
    expect(withMac(ib).mac).toBe(ib.toLowerCase());
    expect(withMac("not-a-mac").mac).toBe("not-a-mac");
  });

  it("falls back to the first sandbox interface, and to all IPs when no interface is reported", () => {
    const first = buildAttachedInterface(multi, {
      cniVersion: "1.0.0",
      interfaces: [{ name: "h" }, { name: "x0", sandbox: "/ns" }],
      ips: [{ address: "10.0.0.1/8", interface: 1 }],
    });
    expect(first.ifName).toBe("x0");
    const ipamOnly = buildAttachedInterface(cluster, {
      cniVersion: "1.0.0",
      ips: [{ address: "10.0.0.1/8" }, { address: "10.0.0.2/8" }],
      dns: { nameservers: ["1.1.1.1"], search: ["a"] },
    });
    expect(toNetworkStatus([ipamOnly])).toEqual([
      {
        name: "cbr0",
        interface: "eth0",
        ips: ["10.0.0.1", "10.0.0.2"],
        default: true,
        dns: { nameservers: ["1.1.1.1"], search: ["a"] },
      },
    ]);
  });

  it("marks only the cluster network default and carries device-info", () => {
    const a = buildAttachedInterface(cluster, { cniVersion: "1.0.0" });
    const b = buildAttachedInterface(
      multi,
      { cniVersion: "1.0.0" },
      { deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:18:02.5" } } },
    );
    const status = toNetworkStatus([a, b]);
    expect(status.map((s) => s.default)).toEqual([true, false]);
    expect(status[1]!["device-info"]).toEqual({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:18:02.5" },
    });
  });

  describe("default gateways (network-status gateway, ListAttachments and netattachctl list's DEFAULT)", () => {
    // What bridge + host-local return for `routes: [{"dst": "0.0.0.0/0"}]` and a range gateway.
    const hostLocal = {
      cniVersion: "1.0.0",
      interfaces: [
        { name: "cni0", mac: "aa:00:00:00:00:01" },
        { name: "eth0", mac: "aa:00:00:00:00:02", sandbox: "/ns" },
      ],
      ips: [
        { address: "10.22.0.5/24", gateway: "10.22.0.1", interface: 1 },
        { address: "fd22::5/64", gateway: "fd22::1", interface: 1 },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "10.9.0.0/16" }],
    };

    it("a default route without gw goes through its family's address gateway, as the plugin installed it", () => {
      const i = buildAttachedInterface(cluster, hostLocal);
      expect(i.gateways).toEqual(["10.22.0.1"]);
      expect(toNetworkStatus([i])[0]!.gateway).toEqual(["10.22.0.1"]);
      const both = buildAttachedInterface(cluster, { ...hostLocal, routes: [{ dst: "::/0" }, { dst: "0.0.0.0/0" }] });
      expect(both.gateways).toEqual(["fd22::1", "10.22.0.1"]);
    });

    it("a default route's own gw wins; no default route, or one with no gateway anywhere, gives none", () => {
      const viaGw = { ...hostLocal, routes: [{ dst: "0.0.0.0/0", gw: "10.22.0.254" }] };
      expect(buildAttachedInterface(cluster, viaGw).gateways).toEqual(["10.22.0.254"]);
      expect(buildAttachedInterface(cluster, { ...hostLocal, routes: [{ dst: "10.9.0.0/16" }] }).gateways).toEqual([]);
      const noGateway = { ...hostLocal, ips: [{ address: "10.22.0.5/24", interface: 1 }] };
      expect(buildAttachedInterface(cluster, noGateway).gateways).toEqual([]);
    });

    it("ListAttachments reports the same gateway for a saved bridge + host-local result", () => {
      const record = {
        version: 1 as const,
        plan,
        results: { eth0: hostLocal, net1: { cniVersion: "1.0.0", ips: [{ address: "10.3.0.5/24" }] } },
        phase: "attached" as const,
        createdAt: "",
        updatedAt: "",
      };
      expect(interfaceSummaries(record).map((i) => [i.ifName, i.gateways])).toEqual([
        ["eth0", ["10.22.0.1"]],
        ["net1", []],
      ]);
    });
  });
});
