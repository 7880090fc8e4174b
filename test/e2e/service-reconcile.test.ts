// The reconciler on real plugins (bridge cluster network, macvlan, ptp) without a container
// runtime: netns existence decides. A namespace deleted by hand is gone once no process holds it;
// while one does, the pod still runs and keeps its addresses.
import { spawn } from "node:child_process";
import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { hostLinks } from "../helpers/host-net.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const PERIOD_MS = 500;

describeRoot("service e2e: the reconciler without a container runtime", () => {
  let w: ServiceWorld;
  let d: TestDaemon;

  beforeAll(async () => {
    w = await createServiceWorld("rec");
    await writeStandardNads(w);
    d = await w.start({
      reconcile: { enabled: true, intervalMs: PERIOD_MS, gracePeriodMs: 0, gcTimeoutMs: 10_000, runtimeSocket: "" },
    });
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  async function attachIn(ns: Netns, containerId: string) {
    await d.client.api.attachNetworks({ ...podRequest(w, containerId, "macvlan-conf,ptp-conf"), netnsPath: ns.path });
    const links = await ns.links();
    expect(links.map((l) => l.ifname).sort()).toEqual(["eth0", "lo", "net1", "net2"]);
    // The host ends of the bridge's and ptp's veths (net1 is a macvlan: its link is the master).
    return links.filter((l) => l.ifname === "eth0" || l.ifname === "net2").map((l) => l.link_index!);
  }

  const listed = async (containerId: string): Promise<number> =>
    (await d.client.api.listAttachments({ containerId })).attachments.length;
  const reserved = async (): Promise<string[]> => [
    ...(await w.reservations("cluster")),
    ...(await w.reservations("macvlan-conf")),
    ...(await w.reservations("ptp-conf")),
  ];
  async function within(ms: number, what: string, cond: () => Promise<boolean>): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("a netns deleted by hand is detached by the next passes: no links, addresses or state left; others stay", async () => {
    const keep = await createNetns("rk-");
    const lost = await createNetns("rl-");
    await attachIn(keep, "keep1");
    const peers = await attachIn(lost, "lost1");
    const before = await reserved();

    await lost.delete();
    // A period, then the DELs of three real plugins: bounded generously for a loaded CI machine.
    await within(PERIOD_MS + 4_000, "lost1 detached", async () => (await listed("lost1")) === 0);

    // The host ends of the veths go with the netns, in the kernel's own time (cleanup_net).
    await within(5_000, "lost1's host veth peers removed", async () =>
      (await hostLinks()).every((l) => !peers.includes(l.ifindex)),
    );
    expect((await reserved()).length).toBe(before.length - 3);
    expect((await readdir(join(d.dir, "state", "attachments"))).sort()).toEqual(["keep1.json"]);
    expect(await readdir(join(d.dir, "state", "orphans")).catch(() => [])).toEqual([]);
    // The pass logs each removal once it is done; the record may be gone a moment before the line arrives.
    await within(5_000, "lost1's removal logged with its reason", async () =>
      d.logs.some((l) => l.containerId === "lost1" && l.reason === "netns-gone" && l.outcome === "removed"),
    );
    expect(await listed("keep1")).toBe(1);
    await d.client.api.detachNetworks({ containerId: "keep1" });
    await keep.delete();
  });

  it("a netns whose path is deleted while a process still runs in it is kept until that process is gone", async () => {
    const ns = await createNetns("rh-");
    const before = await reserved();
    await attachIn(ns, "held1");
    const holder = spawn("ip", ["netns", "exec", ns.name, "sleep", "1000"], { stdio: "ignore" });
    const hostNetns = await readlink("/proc/self/ns/net");
    await within(5_000, "the holder inside the netns", async () => {
      const inside = await readlink(`/proc/${holder.pid}/ns/net`).catch(() => hostNetns);
      return inside !== hostNetns;
    });
    await ns.delete();

    await new Promise((r) => setTimeout(r, 3 * PERIOD_MS));
    expect(await listed("held1")).toBe(1);

    holder.kill("SIGKILL");
    await within(PERIOD_MS + 4_000, "held1 detached", async () => (await listed("held1")) === 0);
    expect(await reserved()).toEqual(before);
  });
});
