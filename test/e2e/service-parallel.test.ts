// Issue 10: a pod's secondary networks attached concurrently on real plugins give the same netns,
// answer, network-status and saved state as one after another (netattach.io/serial-networks), and
// DEL (secondaries concurrently, then the cluster network) leaves nothing behind.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { AttachNetworksResponse } from "../../proto/gen/netattach/v1/attachment_service.js";
import type { AttachmentRecord } from "../../server/src/attach/attachment-store.js";
import { SERIAL_NETWORKS_ANNOTATION } from "../../server/src/resolve/annotations.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const NETWORKS = "macvlan-conf,default/ptp-conf@data0,macvlan-c";

describeRoot("service e2e: parallel secondary networks", () => {
  let w: ServiceWorld;
  let d: TestDaemon;

  beforeEach(async () => {
    w = await createServiceWorld("par");
    await writeStandardNads(w);
    await w.writeNad("default", "macvlan-c", {
      cniVersion: "1.0.0",
      name: "macvlan-c",
      type: "macvlan",
      master: w.master,
      mode: "bridge",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] },
    });
    d = await w.start();
  });
  afterEach(async () => {
    await w?.cleanup();
  });

  /** What must not depend on the schedule: interfaces, networks, subnets, status order, the saved plan and results. */
  async function shape(containerId: string, res: AttachNetworksResponse) {
    const record = JSON.parse(
      await readFile(join(w.dir, "state", "attachments", `${containerId}.json`), "utf8"),
    ) as AttachmentRecord;
    const links = [];
    for (const iface of res.interfaces) {
      const inNetns = await w.netns.addr(iface.interface);
      expect(inNetns, `${iface.interface} exists in the netns`).toBeDefined();
      expect(inNetns!.address).toBe(iface.mac);
      const v4 = globalAddrs(inNetns).filter((a) => !a.includes(":"));
      expect(v4).toEqual(iface.ips.map((ip) => ip.address));
      links.push(`${iface.interface} ${iface.network} ${v4.map((a) => a.split(".").slice(0, 3).join(".")).join(",")}`);
    }
    const status = (
      JSON.parse(res.networkStatusJson) as Array<{ name: string; interface: string; default?: boolean }>
    ).map((s) => `${s.name}@${s.interface}${s.default === true ? " default" : ""}`);
    const { serialNetworks: _serial, ...plan } = record.plan;
    const delegates = plan.delegates.map((dl) => ({
      ...dl,
      cniArgs: dl.cniArgs.filter(
        ([k]) => k !== "K8S_POD_NAME" && k !== "K8S_POD_INFRA_CONTAINER_ID" && k !== "K8S_POD_UID",
      ),
    }));
    return {
      links,
      status,
      phase: record.phase,
      results: Object.keys(record.results),
      delegates,
      defaults: (await w.netns.routes()).filter((r) => r.dst === "default").map((r) => r.dev),
    };
  }

  it("3 secondaries in parallel: netns, answer, network-status and saved state as serial; DEL leaves nothing", async () => {
    const parallel = await d.client.api.attachNetworks(podRequest(w, "par1", NETWORKS, { cniVersion: "1.0.0" }));
    expect(parallel.interfaces.map((i) => [i.interface, i.network])).toEqual([
      ["eth0", "cluster"],
      ["net1", "default/macvlan-conf"],
      ["data0", "default/ptp-conf"],
      ["net3", "default/macvlan-c"],
    ]);
    const a = await shape("par1", parallel);
    expect(a.phase).toBe("attached");
    const removed = await d.client.api.detachNetworks({ containerId: "par1", netnsPath: w.netns.path });
    // Reported last first, as serial: the secondaries (released concurrently), then the cluster network.
    expect(removed.removed.map((r) => r.interface)).toEqual(["net3", "data0", "net1", "eth0"]);
    expect(await w.podLinks()).toEqual([]);

    const req = podRequest(w, "ser1", NETWORKS, { cniVersion: "1.0.0" });
    const serialReq = {
      ...req,
      annotations: { values: { ...req.annotations.values, [SERIAL_NETWORKS_ANNOTATION]: "true" } },
    };
    const serial = await d.client.api.attachNetworks(serialReq);
    const b = await shape("ser1", serial);
    const saved = JSON.parse(
      await readFile(join(w.dir, "state", "attachments", "ser1.json"), "utf8"),
    ) as AttachmentRecord;
    expect(saved.plan.serialNetworks).toBe(true);
    expect(a).toEqual(b);

    await d.client.api.detachNetworks({ containerId: "ser1", netnsPath: w.netns.path });
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const n of ["cluster", "macvlan-conf", "ptp-conf", "macvlan-c"])
      expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    expect((await d.client.api.listAttachments({})).attachments).toEqual([]);
  });

  it("a failing secondary rolls back the ones that ran concurrently, and nothing is left", async () => {
    // Its macvlan runs (an interface, an address), then its last plugin fails.
    await w.writeNad("default", "broken", {
      cniVersion: "1.0.0",
      name: "broken",
      plugins: [
        {
          type: "macvlan",
          master: w.master,
          mode: "bridge",
          ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.b.subnet }]] },
        },
        { type: "noop", noop: { ADD: { error: { code: 7, msg: "refused on purpose" } } } },
      ],
    });
    const err = await d.client.api
      .attachNetworks(podRequest(w, "fail1", "macvlan-conf,broken,macvlan-c", { cniVersion: "1.0.0" }))
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toContain('network "default/broken"');
    expect(err?.message).toContain("refused on purpose");
    expect(err?.message).toContain("rolled back: 4 delegates deleted");
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "macvlan-conf", "broken", "macvlan-c"])
      expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    expect((await d.client.api.listAttachments({})).attachments).toEqual([]);
  });
});
