// A refused ADD or hot-plug changes nothing in the pod, with Debian's real bridge and ptp in real
// netns: a link someone else made under the interface name a network would take survives (refused
// as INTERFACE_CONFLICT before any plugin runs, where the plugin's failure used to be rolled back by
// a DEL that deleted that link); a default-route gateway of a family the network has no range for is
// refused before running, so the pod keeps its IPv6 default route; and a route the kernel refuses
// after the plugins ran is rolled back with the pod's default route put back.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { randomV6Prefix } from "../helpers/netconf-fixture.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const defaults = async (ns: Netns, family: 4 | 6) =>
  (await ns.routes({ family })).filter((r) => r.dst === "default").map((r) => `${r.gateway ?? ""} ${r.dev ?? ""}`);

describeRoot("service e2e: a refused ADD or hot-plug changes nothing in the pod", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  let other: Netns | undefined;
  const v6 = randomV6Prefix();
  const v6Gateway = `${v6}1`;

  beforeAll(async () => {
    w = await createServiceWorld("keep");
    // Dual-stack cluster network: default routes of both families on eth0 (host-local routes).
    await w.writeConf("05-dual.conflist", {
      cniVersion: "1.0.0",
      name: "dual",
      plugins: [
        {
          type: "bridge",
          bridge: w.clusterBridge,
          ipam: {
            type: "host-local",
            dataDir: w.dataDir,
            ranges: [
              [{ subnet: w.subnets.cluster.subnet, gateway: w.subnets.cluster.gateway }],
              [{ subnet: `${v6}/64`, gateway: v6Gateway }],
            ],
            routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
          },
        },
      ],
    });
    await writeStandardNads(w); // ptp-conf: ptp + host-local, IPv4 only
    d = await w.start({ clusterNetwork: "dual" });
    await d.client.api.attachNetworks(podRequest(w, "keep1", ""));
  });
  afterAll(async () => {
    await d?.client.api.detachNetworks({ containerId: "keep1", netnsPath: w.netns.path }).catch(() => undefined);
    await other?.delete();
    await w?.cleanup();
  });

  const listed = async (containerId: string) =>
    (await d.client.api.listAttachments({ containerId })).attachments.flatMap((a) =>
      a.interfaces.map((i) => `${i.interface} ${i.gateways.join(",")}`),
    );

  it("a hot-plug onto the name of a link the pod already has is refused before running: that link and its address stay", async () => {
    await runCmd("ip", ["-n", w.netns.name, "link", "add", "net7", "type", "veth", "peer", "name", "keeppeer7"]);
    await runCmd("ip", ["-n", w.netns.name, "addr", "add", "172.31.99.1/24", "dev", "net7"]);
    const f = await failure(
      d.client.api.attachNetwork({
        containerId: "keep1",
        selection: { name: "ptp-conf", interface: "net7", ips: [], portMappings: [] },
      }),
    );
    expect([f.code, f.info.reason]).toEqual(["INVALID_ARGUMENT", "INTERFACE_CONFLICT"]);
    expect(f.info.metadata).toMatchObject({ network: "default/ptp-conf", ifName: "net7", phase: "preflight" });
    expect(f.message).toContain(`in netns "${w.netns.path}", which already has a link named "net7"`);
    expect(globalAddrs(await w.netns.addr("net7"))).toEqual(["172.31.99.1/24"]);
    expect((await w.podLinks()).sort()).toEqual(["eth0", "keeppeer7", "net7"]);
    expect(await w.reservations("ptp-conf")).toEqual([]);
    expect(await listed("keep1")).toEqual([`eth0 ${w.subnets.cluster.gateway},${v6Gateway}`]);
  });

  it("a first ADD into a netns that already holds the name a network would take is refused: that link stays, nothing is attached", async () => {
    other = await createNetns("keep-b-");
    await runCmd("ip", ["-n", other.name, "link", "add", "net1", "type", "veth", "peer", "name", "keeppeer1"]);
    const f = await failure(
      d.client.api.attachNetworks({ ...podRequest(w, "keep2", "ptp-conf"), netnsPath: other.path }),
    );
    expect([f.code, f.info.reason]).toEqual(["INVALID_ARGUMENT", "INTERFACE_CONFLICT"]);
    expect(f.info.metadata).toMatchObject({ network: "default/ptp-conf", ifName: "net1", phase: "preflight" });
    expect((await other.links()).map((l) => l.ifname).sort()).toEqual(["keeppeer1", "lo", "net1"]);
    expect((await d.client.api.listAttachments({ containerId: "keep2" })).attachments).toEqual([]);
  });

  it("an IPv6 default-route gateway on an IPv4-only network is refused before running: the pod keeps its IPv6 default route", async () => {
    const f = await failure(
      d.client.api.attachNetwork({
        containerId: "keep1",
        selection: { name: "ptp-conf", defaultRoute: { gateways: [v6Gateway] }, ips: [], portMappings: [] },
      }),
    );
    expect([f.code, f.info.reason]).toEqual(["INVALID_ARGUMENT", "INVALID_ANNOTATION"]);
    expect(f.message).toContain(`default-route gateway "${v6Gateway}" is IPv6, but the network has no IPv6 range`);
    expect(await defaults(w.netns, 6)).toEqual([`${v6Gateway} eth0`]);
    expect(await defaults(w.netns, 4)).toEqual([`${w.subnets.cluster.gateway} eth0`]);
    expect(await w.reservations("ptp-conf")).toEqual([]);
    expect(await listed("keep1")).toEqual([`eth0 ${w.subnets.cluster.gateway},${v6Gateway}`]);
  });

  it("a default route the kernel refuses once ptp ran is rolled back with the pod's default route put back", async () => {
    // In ptp's subnet, so the preflight lets it through; ptp routes its subnet via its gateway, so
    // the kernel finds no link route to it.
    const unreachable = `${w.subnets.b.prefix}77`;
    const f = await failure(
      d.client.api.attachNetwork({
        containerId: "keep1",
        selection: { name: "ptp-conf", defaultRoute: { gateways: [unreachable] }, ips: [], portMappings: [] },
      }),
    );
    expect(f.info.reason).toBe("DEFAULT_ROUTE_FAILED");
    expect(f.message).toMatch(/\(rolled back: 1 delegate deleted\)$/);
    expect(await defaults(w.netns, 4)).toEqual([`${w.subnets.cluster.gateway} eth0`]);
    expect(await defaults(w.netns, 6)).toEqual([`${v6Gateway} eth0`]);
    expect((await w.podLinks()).sort()).toEqual(["eth0", "keeppeer7", "net7"]);
    expect(await w.reservations("ptp-conf")).toEqual([]);
    expect(await listed("keep1")).toEqual([`eth0 ${w.subnets.cluster.gateway},${v6Gateway}`]);
  });
});
