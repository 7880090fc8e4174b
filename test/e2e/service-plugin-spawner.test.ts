// Issue 10: netattachd starts plugins through netattach-spawner (one helper process it starts at
// the first plugin run) instead of forking itself. Real plugins, real netns: the spawner is the
// daemon's child and carries its owner mark; one killed behind the daemon's back is replaced by
// the next call; stopping the daemon ends it; pluginSpawner: false starts none.
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { isGone, waitFor } from "../fixtures/plugins/plugin-bin.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
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

  // A plugin that prints its result and exits 0, leaving a child in its group and one in a
  // session of its own, both holding its stdout (review 2, findings 3 and 4).
  it.each([
    ["netattach-spawner", true],
    ["node:child_process", false],
  ])(
    "through %s, a plugin whose children hold its stdout is stopped at its deadline, rolled back, and its children killed",
    async (_launcher, pluginSpawner) => {
      const pids = join(w.dir, "holder-pids");
      await writeFile(
        join(w.dir, "bin", "holder"),
        `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ]; then\n` +
          `  sh -c 'echo $$ >> ${pids}; exec sleep 300' &\n` +
          `  setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' &\n` +
          `  echo '{"cniVersion":"1.0.0","interfaces":[{"name":"net1","sandbox":"'"$CNI_NETNS"'"}]}'\nfi\n`,
        { mode: 0o755 },
      );
      await w.writeNad("default", "holder", { cniVersion: "1.0.0", name: "holder", type: "holder" });
      const d = await w.start({ pluginSpawner, pluginTimeoutMs: 2000 });
      const started = Date.now();
      const f = await failure(d.client.api.attachNetworks(podRequest(w, "spwh", "holder", { cniVersion: "1.0.0" })));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(f.info.reason).toBe("PLUGIN_TIMEOUT");
      expect(f.message).toContain('plugin "holder" ADD did not finish within 2000 ms and was killed');
      expect(await w.podLinks()).toEqual([]); // the cluster network rolled back
      expect((await d.client.api.listAttachments({ containerId: "spwh" })).attachments).toEqual([]);
      const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
      expect(children).toHaveLength(2);
      for (const pid of children) expect(isGone(pid), `child ${pid}`).toBe(true);
    },
  );

  it("pluginSpawner: false forks the daemon for every plugin instead, with the same result", async () => {
    const d = await w.start({ pluginSpawner: false });
    await attachDetach(d, "spw3");
    expect(spawners()).toEqual([]);
  });
});
