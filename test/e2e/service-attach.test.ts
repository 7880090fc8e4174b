// Issue 3, "what it must show": a pod gets the cluster network plus its selected networks
// through AttachNetworks over the daemon's socket, on real plugins in a real netns; the netns
// matches the response and the network-status; DetachNetworks leaves nothing behind.
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { AttachNetworksResponse } from "../../proto/gen/netattach/v1/attachment_service.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import {
  createServiceWorld,
  podRequest,
  ptpPlugin,
  writeStandardNads,
  type ServiceWorld,
} from "../helpers/service-world.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

describeRoot("service e2e: attach and detach", () => {
  let w: ServiceWorld;
  let d: TestDaemon;

  beforeEach(async () => {
    w = await createServiceWorld("att");
    await writeStandardNads(w);
    d = await w.start();
  });
  afterEach(async () => {
    await w?.cleanup();
  });

  /** The netns's IPv4 addresses and MACs equal the response and the network-status. */
  async function expectNetnsMatches(res: AttachNetworksResponse): Promise<void> {
    const status = JSON.parse(res.networkStatusJson) as Array<{
      name: string;
      interface: string;
      ips?: string[];
      mac?: string;
    }>;
    expect(status.map((s) => s.interface)).toEqual(res.interfaces.map((i) => i.interface));
    for (const iface of res.interfaces) {
      const inNetns = await w.netns.addr(iface.interface);
      expect(inNetns, `${iface.interface} exists in the netns`).toBeDefined();
      const v4 = globalAddrs(inNetns).filter((a) => !a.includes(":"));
      expect(v4, iface.interface).toEqual(iface.ips.map((ip) => ip.address));
      expect(inNetns!.address).toBe(iface.mac);
      const entry = status.find((s) => s.interface === iface.interface)!;
      expect(entry.name).toBe(iface.network);
      expect(entry.ips).toEqual(iface.ips.map((ip) => ip.address.split("/")[0]));
      expect(entry.mac).toBe(iface.mac);
    }
  }

  async function expectNothingLeft(networks: string[]): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const n of networks) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
  }

  it("text form: macvlan-conf,default/ptp-conf@data0 → eth0, net1, data0; detach leaves nothing", async () => {
    const res = await d.client.api.attachNetworks(
      podRequest(w, "txt1", "macvlan-conf,default/ptp-conf@data0", { cniVersion: "1.0.0" }),
    );
    expect(res.interfaces.map((i) => [i.interface, i.network, i.isDefault])).toEqual([
      ["eth0", "cluster", true],
      ["net1", "default/macvlan-conf", false],
      ["data0", "default/ptp-conf", false],
    ]);
    expect(res.interfaces[0]!.ips[0]!.address).toMatch(
      new RegExp(`^${w.subnets.cluster.prefix.replace(/\./g, "\\.")}\\d+/24$`),
    );
    expect(res.interfaces[1]!.ips[0]!.address.startsWith(w.subnets.a.prefix)).toBe(true);
    expect(res.interfaces[2]!.ips[0]!.address.startsWith(w.subnets.b.prefix)).toBe(true);
    expect(JSON.parse(res.primaryResultJson)).toMatchObject({
      cniVersion: "1.0.0",
      interfaces: expect.any(Array),
      ips: expect.any(Array),
    });
    await expectNetnsMatches(res);
    expect(await w.reservations("macvlan-conf")).toEqual([res.interfaces[1]!.ips[0]!.address.split("/")[0]]);

    // The cluster network (bridge + host-local `routes: [{dst: 0.0.0.0/0}]`, range gateway): its
    // default route has no gw in the result, yet every view names the gateway the pod routes through.
    const defaults = (await w.netns.routes()).filter((r) => r.dst === "default");
    expect(defaults.map((r) => [r.gateway, r.dev])).toEqual([[w.subnets.cluster.gateway, "eth0"]]);
    expect(res.interfaces.map((i) => i.gateways)).toEqual([[w.subnets.cluster.gateway], [], []]);
    const status = JSON.parse(res.networkStatusJson) as Array<{ gateway?: string[] }>;
    expect(status.map((s) => s.gateway)).toEqual([[w.subnets.cluster.gateway], undefined, undefined]);
    const [listed] = (await d.client.api.listAttachments({ containerId: "txt1" })).attachments;
    expect(listed!.interfaces.map((i) => i.gateways)).toEqual([[w.subnets.cluster.gateway], [], []]);

    const removed = await d.client.api.detachNetworks({ containerId: "txt1", netnsPath: w.netns.path });
    expect(removed.removed.map((r) => r.interface)).toEqual(["data0", "net1", "eth0"]);
    await expectNothingLeft(["cluster", "macvlan-conf", "ptp-conf"]);
    expect((await d.client.api.listAttachments({ containerId: "txt1" })).attachments).toEqual([]);
  });

  it("JSON form: ips + mac (static IPAM + tuning), default-route and cni-args reach only their delegate", async () => {
    await w.writeNad("default", "macvlan-static", {
      cniVersion: "1.0.0",
      name: "macvlan-static",
      plugins: [
        { type: "macvlan", master: w.master, mode: "bridge", capabilities: { ips: true }, ipam: { type: "static" } },
        { type: "tuning", capabilities: { mac: true } },
        { type: "noop", debugFile: w.debugFile },
      ],
    });
    await w.writeNad("default", "ptp-args", {
      cniVersion: "1.0.0",
      name: "ptp-args",
      plugins: [ptpPlugin(w), { type: "noop", debugFile: w.debugFile }],
    });
    const staticIp = `${w.subnets.a.prefix}5/24`;
    const mac = "02:00:00:aa:bb:01";
    const annotation = JSON.stringify([
      { name: "macvlan-static", ips: [staticIp], mac },
      {
        name: "ptp-args",
        namespace: "default",
        interface: "data0",
        "default-route": [w.subnets.b.gateway],
        "cni-args": { foo: "bar" },
      },
    ]);
    const res = await d.client.api.attachNetworks(podRequest(w, "json1", annotation, { cniVersion: "1.0.0" }));
    expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1", "data0"]);
    const net1 = res.interfaces[1]!;
    expect(net1.ips.map((i) => i.address)).toEqual([staticIp]);
    expect(net1.mac).toBe(mac);
    await expectNetnsMatches(res);
    expect((await w.netns.link("net1"))!.address).toBe(mac);

    // Exactly one default route, through data0's gateway.
    const defaults = (await w.netns.routes()).filter((r) => r.dst === "default");
    expect(defaults.map((r) => [r.gateway, r.dev])).toEqual([[w.subnets.b.gateway, "data0"]]);
    expect(res.interfaces[2]!.gateways).toEqual([w.subnets.b.gateway]);

    // cni-args reached ptp-args's plugins as args.cni, and not macvlan-static's.
    const lines = (await readFile(w.debugFile, "utf8"))
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            command: string;
            stdin: { name: string; args?: { cni?: object }; runtimeConfig?: object };
          },
      );
    const adds = lines.filter((l) => l.command === "ADD");
    expect(adds.find((l) => l.stdin.name === "ptp-args")?.stdin.args?.cni).toEqual({ foo: "bar" });
    expect(adds.find((l) => l.stdin.name === "macvlan-static")?.stdin.args?.cni).toBeUndefined();

    await d.client.api.detachNetworks({ containerId: "json1", netnsPath: w.netns.path });
    await expectNothingLeft(["cluster", "ptp-args"]);
  });

  it("ResolveNetworks returns each network's source and its final config, executing nothing", async () => {
    const plan = await d.client.api.resolveNetworks({
      pod: { namespace: "default", name: "p", uid: "u" },
      annotations: { values: { [NETWORKS]: "macvlan-conf,default/ptp-conf@data0" } },
      selections: [],
      cniArgs: [],
      primaryInterface: "",
      containerId: "",
      netnsPath: "",
    });
    expect(plan.networks.map((n) => [n.network, n.interface, n.isDefault])).toEqual([
      ["cluster", "eth0", true],
      ["default/macvlan-conf", "net1", false],
      ["default/ptp-conf", "data0", false],
    ]);
    expect(plan.networks[0]!.origin?.confFile?.path).toBe(`${w.confDir}/10-cluster.conflist`);
    expect(plan.networks[1]!.origin?.definition).toMatchObject({
      namespace: "default",
      name: "macvlan-conf",
      manifestPath: `${w.defsDir}/default-macvlan-conf.yaml`,
    });
    expect(JSON.parse(plan.networks[1]!.configJson)).toMatchObject({
      name: "macvlan-conf",
      plugins: [{ type: "macvlan", master: w.master }],
    });
    expect(JSON.parse(plan.networks[2]!.configJson)).toMatchObject({
      name: "ptp-conf",
      plugins: [{ type: "ptp" }, { type: "tuning" }],
    });
    expect(await w.podLinks()).toEqual([]);
    expect(await w.reservations("macvlan-conf")).toEqual([]);
  });
});
