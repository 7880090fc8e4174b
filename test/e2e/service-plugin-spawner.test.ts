// Issue 10: netattachd starts plugins through netattach-spawner (one helper process it starts at
// the first plugin run) instead of forking itself. Real plugins, real netns: the spawner is the
// daemon's child and carries its owner mark; one killed behind the daemon's back is replaced by
// the next call; stopping the daemon ends it; pluginSpawner: false starts none.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { waitFor } from "../fixtures/plugins/plugin-bin.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const NETWORKS = "macvlan-conf,default/ptp-conf@data0";

/** This process's children named netattach-spawn(er), with their environment. */
function spawners(): Array<{ pid: number; env: string[] }> {
  const found = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[1]);
      if (ppid !== process.pid || !stat.includes("(netattach-spawn)")) continue;
      found.push({ pid, env: readFileSync(`/proc/${pid}/environ`, "latin1").split("\0") });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describeRoot("service e2e: plugins started by netattach-spawner", () => {
  let w: ServiceWorld;

  beforeEach(async () => {
    w = await createServiceWorld("spw");
    await writeStandardNads(w);
  });
  afterEach(async () => {
    await w?.cleanup();
  });

  async function attachDetach(d: Awaited<ReturnType<ServiceWorld["start"]>>, id: string): Promise<void> {
    const res = await d.client.api.attachNetworks(podRequest(w, id, NETWORKS, { cniVersion: "1.0.0" }));
    expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1", "data0"]);
    expect((await w.podLinks()).sort()).toEqual(["data0", "eth0", "net1"]);
    await d.client.api.detachNetworks({ containerId: id, netnsPath: w.netns.path });
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["macvlan-conf", "ptp-conf"]) expect(await w.reservations(n), n).toEqual([]);
  }

  it("runs the plugins through one spawner with the owner mark; a killed spawner is replaced; stop ends it", async () => {
    const d = await w.start();
    await attachDetach(d, "spw1");
    const [first, ...more] = spawners();
    expect(more).toEqual([]);
    expect(first!.env).toContain(`NETATTACH_PLUGIN_OWNER=${join(w.dir, "state")}`);

    process.kill(first!.pid, "SIGKILL");
    await waitFor(() => !spawners().some((s) => s.pid === first!.pid));
    await attachDetach(d, "spw2");
    const [second] = spawners();
    expect(second!.pid).not.toBe(first!.pid);

    await d.stop();
    await waitFor(() => spawners().length === 0);
  });

  it("pluginSpawner: false forks the daemon for every plugin instead, with the same result", async () => {
    const d = await w.start({ pluginSpawner: false });
    await attachDetach(d, "spw3");
    expect(spawners()).toEqual([]);
  });
});
