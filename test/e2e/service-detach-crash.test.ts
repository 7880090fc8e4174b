// A daemon killed in the middle of a DEL: the saved attachment says detaching from before the first
// plugin ran, so it is never listed as attached with addresses already released; the next daemon
// finishes that DEL at start-up, and the runtime's retried DEL then finds nothing left.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { stringify } from "yaml";
import { stateLayout } from "../../server/src/config/index.js";
import { createDaemonClient } from "../../tools/src/daemon-client.js";
import { spawnDaemonProcess, type DaemonProcess } from "../helpers/daemon.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

describeRoot("service e2e: kill -9 during a DEL", () => {
  let w: ServiceWorld;
  const procs: DaemonProcess[] = [];

  beforeEach(async () => {
    w = await createServiceWorld("dkc");
    await writeStandardNads(w);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
    await w?.cleanup();
  });

  async function startProcess(configPath: string): Promise<DaemonProcess> {
    const p = spawnDaemonProcess(["--config", configPath]);
    procs.push(p);
    await p.waitFor("the daemon to listen", () => p.stdout().includes('"msg":"netattachd listening"'));
    return p;
  }

  it("a DEL the killed daemon never finished is listed detaching, not attached, and is finished at the next start", async () => {
    // slow0's DEL runs its noop first (slow), then ptp; data0's is quick and runs alongside it.
    await w.writeNad("default", "slow-conf", {
      cniVersion: "1.0.0",
      name: "slow-conf",
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] } },
        { type: "noop", noop: { DEL: { sleepMs: 3_000 } } },
      ],
    });
    const config = w.config({ logLevel: "debug" });
    const configPath = join(w.dir, "netattachd.yaml");
    await writeFile(configPath, stringify(config));
    const first = await startProcess(configPath);
    const client = createDaemonClient(config.socketPath);
    try {
      await client.api.attachNetworks({
        containerId: "dkc1",
        netnsPath: w.netns.path,
        pod: { namespace: "default", name: "pod-dkc", uid: "uid-dkc" },
        annotations: { values: { "k8s.v1.cni.cncf.io/networks": "default/ptp-conf@data0,default/slow-conf@slow0" } },
        selections: [],
        primaryInterface: "eth0",
        cniArgs: [],
        cniVersion: "",
      });
      const deleting = client.api.detachNetworks({ containerId: "dkc1" }).catch((err: unknown) => err);
      await first.waitFor("data0's DEL to release it", async () => !(await w.podLinks()).includes("data0"));
      first.child.kill("SIGKILL");
      await first.exited;
      await deleting;
    } finally {
      client.close();
    }
    expect(await w.reservations("ptp-conf")).toEqual([]);
    const saved = JSON.parse(await readFile(join(stateLayout(config).attachmentsDir, "dkc1.json"), "utf8")) as {
      phase: string;
      cause: string;
    };
    expect(saved.phase).toBe("detaching");
    expect(saved.cause).toMatch(/^a DEL started at .+ and has not finished$/);

    const second = await startProcess(configPath);
    expect(second.stdout()).toContain("finished a DEL a previous netattachd never finished");
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "ptp-conf", "slow-conf"])
      expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    const again = createDaemonClient(config.socketPath);
    try {
      expect((await again.api.listAttachments({ containerId: "dkc1" })).attachments).toEqual([]);
      // The runtime's retried DEL: nothing left to do.
      expect((await again.api.detachNetworks({ containerId: "dkc1" })).removed).toEqual([]);
    } finally {
      again.close();
    }
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
