// Issue 3, "what it must show": a failing third delegate rolls the first two back, and every
// bad input is refused with the right status naming the culprit before anything runs —
// real plugins, a real netns, the daemon's socket.
import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { deleteHostLinks, deleteNatRulesMentioning, iptablesSave } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

describeRoot("service e2e: failures", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  const masqBridge = uniqueName("svcq");

  beforeAll(async () => {
    w = await createServiceWorld("fail");
    await writeStandardNads(w);
    // ptp creates a veth and allocates an address, then tuning fails (no such sysctl): the
    // runtime must undo this delegate too, then the two before it.
    await w.writeNad("default", "bad-tuning", {
      cniVersion: "1.0.0",
      name: "bad-tuning",
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] } },
        { type: "tuning", sysctl: { "net.ipv4.conf.net3.no_such_sysctl": "1" } },
      ],
    });
    await w.writeNad("other", "private", {
      cniVersion: "1.0.0",
      name: "private",
      type: "ptp",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] },
    });
    // bridge installs its ipMasq NAT chain, then a plugin fails its ADD and its DEL alike (as
    // portmap did on a bad runtimeConfig): the rollback must still run bridge's DEL.
    await w.writeNad("default", "masq-broken", {
      cniVersion: "1.0.0",
      name: "masq-broken",
      plugins: [
        {
          type: "bridge",
          bridge: masqBridge,
          ipMasq: true,
          ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] },
        },
        {
          type: "noop",
          noop: {
            ADD: { error: { code: 999, msg: "broken on ADD" } },
            DEL: { error: { code: 999, msg: "broken on DEL" } },
          },
        },
      ],
    });
    await w.writeNad("default", "nobin", { cniVersion: "1.0.0", name: "nobin", type: "no-such-plugin" });
    await w.writeNad("default", "badjson", '{"cniVersion": "1.0.0", "type": "ptp",');
    d = await w.start({ namespaceIsolation: true, globalNamespaces: ["default"] });
  });
  afterAll(async () => {
    await deleteNatRulesMentioning("masq1");
    await deleteHostLinks(masqBridge);
    await w?.cleanup();
  });

  async function expectNetnsAndIpamEmpty(): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
  }

  it("a failing third delegate: it and the first two are rolled back; the error names network, plugin and CNI code", async () => {
    const f = await failure(d.client.api.attachNetworks(podRequest(w, "rb1", "macvlan-conf,ptp-conf,bad-tuning")));
    expect(f.info.reason).toBe("PLUGIN_FAILED");
    expect(f.info.metadata).toMatchObject({
      network: "default/bad-tuning",
      plugin: "tuning",
      cniCode: "999",
      phase: "add",
      ifName: "net3",
    });
    expect(f.code).toBe("UNKNOWN"); // derived from the plugin's code 999: a plugin's failure is never our INTERNAL
    expect(f.message).toContain("default/bad-tuning");
    expect(f.message).toContain("tuning");
    expect(f.message).toContain("no_such_sysctl");
    expect(f.message).toContain("999");
    await expectNetnsAndIpamEmpty();
    expect((await d.client.api.listAttachments({ containerId: "rb1" })).attachments).toEqual([]);
  });

  it("a plugin whose DEL fails too: the rollback still runs the DELs before it, so bridge's ipMasq NAT chain goes", async () => {
    const f = await failure(d.client.api.attachNetworks(podRequest(w, "masq1", "masq-broken")));
    expect(f.info.reason).toBe("PLUGIN_FAILED");
    expect(f.info.metadata).toMatchObject({ network: "default/masq-broken", plugin: "noop", phase: "add" });
    // The chain CNI-<hash> and the POSTROUTING jump to it both carry the container id in their comment.
    expect((await iptablesSave("nat")).split("\n").filter((l) => l.includes("masq1"))).toEqual([]);
    await expectNetnsAndIpamEmpty();
    expect((await d.client.api.listAttachments({ containerId: "masq1" })).attachments).toEqual([]);
  });

  // [what, status, reason, annotation, culprit the message must name]
  it.each<[string, string, string, () => string, string]>([
    [
      "malformed text form",
      "INVALID_ARGUMENT",
      "INVALID_ANNOTATION",
      () => "default/macvlan-conf@x@y",
      "default/macvlan-conf@x@y",
    ],
    [
      "malformed JSON form (not JSON)",
      "INVALID_ARGUMENT",
      "INVALID_ANNOTATION",
      () => '[{"name": "macvlan-conf",',
      NETWORKS,
    ],
    [
      "malformed JSON form (wrong field type)",
      "INVALID_ARGUMENT",
      "INVALID_ANNOTATION",
      () => '[{"name": "macvlan-conf", "namespace": "default", "ips": "10.1.1.1"}]',
      "ips",
    ],
    ["unknown network", "NOT_FOUND", "NETWORK_NOT_FOUND", () => "default/nope", "default/nope"],
    ["namespace not allowed", "FAILED_PRECONDITION", "NAMESPACE_NOT_ALLOWED", () => "other/private", "other"],
    [
      "duplicate interface name",
      "INVALID_ARGUMENT",
      "INTERFACE_CONFLICT",
      () => "default/macvlan-conf@data0,default/ptp-conf@data0",
      "data0",
    ],
    [
      "interface name over 15 characters",
      "INVALID_ARGUMENT",
      "INTERFACE_CONFLICT",
      () => "default/macvlan-conf@abcdefghijklmnop",
      "abcdefghijklmnop",
    ],
    [
      "two default routes for IPv4",
      "INVALID_ARGUMENT",
      "DEFAULT_ROUTE_CONFLICT",
      () =>
        JSON.stringify([
          { name: "macvlan-conf", namespace: "default", "default-route": [w.subnets.a.gateway] },
          { name: "ptp-conf", namespace: "default", "default-route": [w.subnets.b.gateway] },
        ]),
      "default/ptp-conf",
    ],
    ["missing plugin", "FAILED_PRECONDITION", "PLUGIN_NOT_FOUND", () => "default/nobin", "no-such-plugin"],
    ["invalid config JSON", "INVALID_ARGUMENT", "INVALID_NETWORK_CONFIG", () => "default/badjson", "badjson"],
    [
      "an option no plugin of the delegate declares",
      "FAILED_PRECONDITION",
      "CAPABILITY_MISSING",
      () => JSON.stringify([{ name: "macvlan-conf", namespace: "default", ips: ["10.9.9.9/24"] }]),
      "ips",
    ],
  ])("%s → %s %s naming the culprit; nothing runs", async (_what, code, reason, annotation, culprit) => {
    const cid = `bad${Math.random().toString(16).slice(2, 10)}`;
    const f = await failure(d.client.api.attachNetworks(podRequest(w, cid, annotation(), { namespace: "team" })));
    expect(f.info.reason).toBe(reason);
    expect(f.code).toBe(code);
    expect(f.message).toContain(culprit);
    await expectNetnsAndIpamEmpty();
    expect((await d.client.api.listAttachments({ containerId: cid })).attachments).toEqual([]);
  });
});
