// CNI GC (the reconciler's last step) with real plugins: a stale cached attachment is DELed only in
// the namespace its ADD made an interface in, never through a cached path re-pointed at the node;
// nothing is collected while a saved record cannot be read (its pod may be running); and an ADD that
// lands while a pass runs keeps what it attached.
import { readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GarbageCollectOutcome } from "../../proto/gen/netattach/v1/attachment_service.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { createHostVeth, deleteHostLinks, hostLink } from "../helpers/host-net.js";
import { uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createScratchNetnsPool, type ScratchNetnsPool } from "../helpers/scratch-netns.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

describeRoot("GC safety e2e: CNI GC never reaches the node's links nor a live pod's", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  let pool: ScratchNetnsPool;
  const podIf = uniqueName("gcsafe");
  const hostPeer = uniqueName("gcsafp");

  beforeAll(async () => {
    w = await createServiceWorld("gcsafe");
    pool = createScratchNetnsPool();
    await writeStandardNads(w);
    // A network whose plugin speaks CNI 1.1.0 and takes 3 s over each GC: a window in every pass.
    await w.writeNad("default", "gcslow", {
      cniVersion: "1.1.0",
      name: "gcslow",
      plugins: [{ type: "noop", debugFile: w.debugFile, noop: { GC: { sleepMs: 3000 } } }],
    });
    d = await w.start({
      reconcile: { enabled: false, intervalMs: 60_000, gracePeriodMs: 0, gcTimeoutMs: 10_000, runtimeSocket: "" },
    });
  });
  afterAll(async () => {
    await deleteHostLinks(podIf, hostPeer);
    await pool?.close();
    await w?.cleanup();
  });

  /** The cluster network only, its interface named podIf. */
  const request = (containerId: string, netnsPath: string) => ({
    ...podRequest(w, containerId, ""),
    netnsPath,
    annotations: { values: {} },
    primaryInterface: podIf,
  });
  const record = (containerId: string) => join(w.dir, "state", "attachments", `${containerId}.json`);
  const linksIn = async (path: string) =>
    (
      JSON.parse((await runCmd("nsenter", [`--net=${path}`, "ip", "-j", "link", "show"])).stdout) as Array<{
        ifname: string;
      }>
    )
      .map((l) => l.ifname)
      .filter((n) => n !== "lo");

  it("a stale cached attachment whose path now names the node is DELed with no netns: the host's link named like the pod's interface survives, the address is released", async () => {
    const pod = await pool.path("gch1");
    const swap = join(w.dir, "gc-swap");
    await symlink(pod, swap);
    try {
      await d.client.api.attachNetworks(request("gch1", swap));
      expect(await linksIn(pod)).toEqual([podIf]);
      expect(await w.reservations("cluster")).toHaveLength(1);
      // Its record is gone (any route that leaves a cache entry without it), and the cached path
      // is re-pointed at the node's namespace ("/proc/self" is whoever opens it).
      await rm(record("gch1"));
      await rm(swap);
      await symlink("/proc/self/ns/net", swap);
      await createHostVeth(podIf, hostPeer);

      const res = await d.client.api.garbageCollect({});

      expect(await hostLink(podIf)).toBeDefined();
      expect(res.errors).toEqual([]);
      expect(res.report?.items.map((i) => [i.containerId, i.outcome, i.interfaces.map((x) => x.interface)])).toEqual([
        ["gch1", GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_REMOVED, [podIf]],
      ]);
      expect(await w.reservations("cluster")).toEqual([]);
    } finally {
      await deleteHostLinks(podIf, hostPeer);
      await rm(swap, { force: true });
    }
  });

  it("a stale cached attachment whose namespace still holds the interface it made is DELed in it", async () => {
    const pod = await pool.path("gch2");
    await d.client.api.attachNetworks(request("gch2", pod));
    await rm(record("gch2"));

    const res = await d.client.api.garbageCollect({});

    expect(res.errors).toEqual([]);
    expect(await linksIn(pod)).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
  });

  it("while a saved record cannot be read, GC collects nothing: its pod keeps its interface and address", async () => {
    const pod = await pool.path("gcc1");
    await d.client.api.attachNetworks(request("gcc1", pod));
    const saved = await readFile(record("gcc1"), "utf8");
    await writeFile(record("gcc1"), saved.slice(0, 300));
    try {
      for (const dryRun of [true, false]) {
        const res = await d.client.api.garbageCollect({ dryRun });
        expect(res.report?.items).toEqual([]);
        expect(res.report?.notes).toContainEqual(
          expect.stringMatching(/^CNI GC skipped: 1 saved record\(s\) cannot be read \(container gcc1\)/),
        );
      }
      expect(await linksIn(pod)).toEqual([podIf]);
      expect(await w.reservations("cluster")).toHaveLength(1);
      expect((await d.client.api.listAttachments({})).unreadable.map((u) => u.containerId)).toEqual(["gcc1"]);
    } finally {
      await writeFile(record("gcc1"), saved);
      await d.client.api.detachNetworks({ containerId: "gcc1" });
    }
    expect(await linksIn(pod)).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
  });

  it("an ADD that finishes while a pass runs keeps its interfaces and addresses: the next network's GC counts it valid", async () => {
    const [a, b, x] = [await pool.path("gcra"), await pool.path("gcrb"), await pool.path("gcrx")];
    const attach = (id: string, path: string, networks: string) =>
      d.client.api.attachNetworks({ ...podRequest(w, id, networks), netnsPath: path });
    // Networks are collected in the order the saved records name them: cluster, gcslow, ptp-conf.
    await attach("gcra", a, "gcslow");
    await attach("gcrb", b, "ptp-conf");
    try {
      const gcRuns = async () =>
        (await readFile(w.debugFile, "utf8").catch(() => "")).split('"command":"GC"').length - 1;
      const before = await gcRuns();
      const pass = d.client.api.garbageCollect({});
      while ((await gcRuns()) === before) await new Promise((r) => setTimeout(r, 20));
      // gcslow's GC is running: this ADD waits for it, then runs before ptp-conf's GC.
      await attach("gcrx", x, "ptp-conf");
      const res = await pass;

      expect(res.errors).toEqual([]);
      expect(res.report?.items.filter((i) => i.containerId === "gcrx")).toEqual([]);
      expect((await linksIn(x)).sort()).toEqual(["eth0", "net1"]);
      expect(await w.reservations("ptp-conf")).toHaveLength(2);
      expect(await w.reservations("cluster")).toHaveLength(3);
    } finally {
      for (const id of ["gcra", "gcrb", "gcrx"]) await d.client.api.detachNetworks({ containerId: id });
    }
    expect(await w.reservations("ptp-conf")).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
  });
});
