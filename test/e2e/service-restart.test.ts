// Issue 3, "what it must show": after kill -9 of the daemon following an attach, a restart, and
// a change or deletion of the network definitions, DetachNetworks still removes everything —
// it runs from the saved plan alone. An ADD, or a hot-plug, the killed daemon never finished is
// rolled back at the next start, and a hot-unplug it never finished is finished.
import { chmod, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { stringify } from "yaml";
import { stateLayout, type DaemonConfig } from "../../server/src/config/index.js";
import { createDaemonClient } from "../../tools/src/daemon-client.js";
import { pathExists, spawnDaemonProcess, type DaemonProcess } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

const TOOK_OFF = "took off a network a previous netattachd never finished hot-plugging or hot-unplugging";

describeRoot("service e2e: kill -9, restart, definitions gone", () => {
  let w: ServiceWorld;
  const procs: DaemonProcess[] = [];

  beforeEach(async () => {
    w = await createServiceWorld("rst");
    await writeStandardNads(w);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
    await w?.cleanup();
  });

  async function startProcess(configPath: string): Promise<DaemonProcess> {
    const p = spawnDaemonProcess(["--config", configPath]);
    procs.push(p);
    await p.listening();
    return p;
  }

  /** The daemon's config (debug logs), written where a daemon process reads it. */
  async function writeConfig(): Promise<{ config: DaemonConfig; configPath: string }> {
    const config = w.config({ logLevel: "debug" });
    const configPath = join(w.dir, "netattachd.yaml");
    await writeFile(configPath, stringify(config));
    return { config, configPath };
  }

  /** kill -9 while `call` runs, once slow-conf's ptp has made slow0 (ADD) or removed it (DEL): its noop still sleeps. */
  async function killWhileSlowNoopRuns(p: DaemonProcess, call: Promise<unknown>, slow0 = true): Promise<void> {
    await p.waitFor(
      `ptp to have ${slow0 ? "made" : "removed"} slow0`,
      async () => slow0 === (await w.podLinks()).includes("slow0"),
    );
    p.child.kill("SIGKILL");
    await p.exited;
    await call;
  }

  it("DetachNetworks removes every interface and reservation from the saved plan", async () => {
    const { config, configPath } = await writeConfig();

    const first = await startProcess(configPath);
    const client = createDaemonClient(config.socketPath);
    try {
      const res = await client.api.attachNetworks({
        containerId: "rst1",
        netnsPath: w.netns.path,
        pod: { namespace: "default", name: "pod-rst", uid: "uid-rst" },
        annotations: { values: { "k8s.v1.cni.cncf.io/networks": "macvlan-conf,default/ptp-conf@data0" } },
        selections: [],
        primaryInterface: "eth0",
        cniArgs: [],
        cniVersion: "",
      });
      expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1", "data0"]);
      expect(await w.reservations("macvlan-conf")).toHaveLength(1);
    } finally {
      client.close();
    }

    first.child.kill("SIGKILL");
    expect(await first.exited).toBe(null);
    expect(await pathExists(config.socketPath)).toBe(true); // stale socket left behind

    // The definitions change under the daemon's feet: one deleted, one rewritten, and the
    // cluster network's conf points at another bridge and subnet.
    await rm(join(w.defsDir, "default-macvlan-conf.yaml"));
    await w.writeNad("default", "ptp-conf", {
      cniVersion: "1.0.0",
      name: "ptp-conf",
      type: "bridge",
      bridge: "svcnotused0",
      ipam: { type: "host-local", ranges: [[{ subnet: "10.199.0.0/24" }]] },
    });
    await w.writeConf("10-cluster.conflist", {
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{ type: "ptp", ipam: { type: "host-local", ranges: [[{ subnet: "10.199.1.0/24" }]] } }],
    });

    const second = await startProcess(configPath);
    const again = createDaemonClient(config.socketPath);
    try {
      const { attachments } = await again.api.listAttachments({ containerId: "rst1" });
      expect(attachments[0]?.interfaces.map((i) => i.network)).toEqual([
        "cluster",
        "default/macvlan-conf",
        "default/ptp-conf",
      ]);

      const removed = await again.api.detachNetworks({ containerId: "rst1", netnsPath: w.netns.path });
      expect(removed.removed.map((r) => r.interface)).toEqual(["data0", "net1", "eth0"]);
      expect((await again.api.listAttachments({ containerId: "rst1" })).attachments).toEqual([]);
    } finally {
      again.close();
    }
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const n of ["cluster", "macvlan-conf", "ptp-conf"])
      expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("an ADD the killed daemon never finished is rolled back at the next start, so the runtime's retried ADD starts clean", async () => {
    // A chain whose second plugin is still running when the daemon dies: ptp's link and address are in place.
    await w.writeNad("default", "slow-conf", {
      cniVersion: "1.0.0",
      name: "slow-conf",
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: "10.199.7.0/24" }]] } },
        { type: "noop", debugFile: w.debugFile, noop: { ADD: { sleepMs: 60_000 } } },
      ],
    });
    const { config, configPath } = await writeConfig();
    const request = {
      containerId: "rst2",
      netnsPath: w.netns.path,
      pod: { namespace: "default", name: "pod-rst2", uid: "uid-rst2" },
      annotations: { values: { "k8s.v1.cni.cncf.io/networks": "default/slow-conf@slow0" } },
      selections: [],
      primaryInterface: "eth0",
      cniArgs: [],
      cniVersion: "",
    };

    const first = await startProcess(configPath);
    const client = createDaemonClient(config.socketPath);
    const adding = client.api.attachNetworks(request).catch((err: unknown) => err);
    await killWhileSlowNoopRuns(first, adding);
    client.close();
    expect(await w.reservations("slow-conf")).toHaveLength(1);

    const second = await startProcess(configPath);
    expect(second.stdout()).toContain("rolled back an ADD a previous netattachd never finished");
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "slow-conf"]) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    const again = createDaemonClient(config.socketPath);
    try {
      expect((await again.api.listAttachments({ containerId: "rst2" })).attachments).toEqual([]);
      // The retry a runtime makes after the failed ADD: the slow plugin is quick now.
      await w.writeNad("default", "slow-conf", {
        cniVersion: "1.0.0",
        name: "slow-conf",
        plugins: [
          { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: "10.199.7.0/24" }]] } },
          { type: "noop" },
        ],
      });
      const res = await again.api.attachNetworks(request);
      expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0", "slow0"]);
      await again.api.detachNetworks({ containerId: "rst2", netnsPath: w.netns.path });
    } finally {
      again.close();
    }
    expect(await w.podLinks()).toEqual([]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("a hot-plug the killed daemon never finished is rolled back alone at the next start; the pod keeps eth0 and the same hot-plug then succeeds", async () => {
    // The hot-plugged chain's second plugin is still running when the daemon dies: ptp's link and address are in place.
    const slow = (add: object) => ({
      cniVersion: "1.0.0",
      name: "slow-conf",
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] } },
        { type: "noop", debugFile: w.debugFile, ...add },
      ],
    });
    await w.writeNad("default", "slow-conf", slow({ noop: { ADD: { sleepMs: 60_000 } } }));
    const { config, configPath } = await writeConfig();
    const hotplug = {
      containerId: "rst3",
      selection: { name: "slow-conf", interface: "slow0", ips: [], portMappings: [] },
    };
    const savedRecord = async () =>
      JSON.parse(await readFile(join(stateLayout(config).attachmentsDir, "rst3.json"), "utf8")) as {
        phase: string;
        plan: { delegates: Array<{ ifName: string }> };
        results: Record<string, unknown>;
      };

    const first = await startProcess(configPath);
    const client = createDaemonClient(config.socketPath);
    const attached = await client.api.attachNetworks({
      containerId: "rst3",
      netnsPath: w.netns.path,
      pod: { namespace: "default", name: "pod-rst3", uid: "uid-rst3" },
      annotations: { values: {} },
      selections: [],
      primaryInterface: "eth0",
      cniArgs: [],
      cniVersion: "",
    });
    const eth0 = attached.interfaces[0]!.ips.map((ip) => ip.address);
    const adding = client.api.attachNetwork(hotplug).catch((err: unknown) => err);
    await killWhileSlowNoopRuns(first, adding);
    client.close();
    expect(await w.reservations("slow-conf")).toHaveLength(1);
    expect((await savedRecord()).plan.delegates.map((d) => d.ifName)).toEqual(["eth0", "slow0"]);

    const second = await startProcess(configPath);
    expect(second.stdout()).toContain(TOOK_OFF);
    expect(await w.podLinks()).toEqual(["eth0"]);
    expect(globalAddrs(await w.netns.addr("eth0"))).toEqual(eth0);
    expect(await w.reservations("slow-conf")).toEqual([]);
    expect(await w.reservations("cluster")).toHaveLength(1);
    const saved = await savedRecord();
    expect([saved.phase, saved.plan.delegates.map((d) => d.ifName), Object.keys(saved.results)]).toEqual([
      "attached",
      ["eth0"],
      ["eth0"],
    ]);
    const again = createDaemonClient(config.socketPath);
    try {
      const [listed] = (await again.api.listAttachments({ containerId: "rst3" })).attachments;
      expect(listed!.interfaces.map((i) => i.interface)).toEqual(["eth0"]);
      // The same hot-plug again, the slow plugin quick now: it succeeds on the same interface name.
      await w.writeNad("default", "slow-conf", slow({}));
      const res = await again.api.attachNetwork(hotplug);
      expect(res.interface).toMatchObject({ network: "default/slow-conf", interface: "slow0" });
      expect((await w.podLinks()).sort()).toEqual(["eth0", "slow0"]);
      expect(await w.reservations("slow-conf")).toHaveLength(1);
      await again.api.detachNetworks({ containerId: "rst3", netnsPath: w.netns.path });
    } finally {
      again.close();
    }
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "slow-conf"]) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("a hot-unplug the killed daemon never finished is finished at the next start: nothing lists the address its IPAM released", async () => {
    // DEL runs a list backwards: ptp releases the address and removes slow0, then noop's DEL is still running.
    await w.writeNad("default", "slow-conf", {
      cniVersion: "1.0.0",
      name: "slow-conf",
      plugins: [
        { type: "noop", noop: { DEL: { sleepMs: 60_000 } } },
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] } },
      ],
    });
    const { config, configPath } = await writeConfig();
    const first = await startProcess(configPath);
    const client = createDaemonClient(config.socketPath);
    try {
      await client.api.attachNetworks(podRequest(w, "rst4", "default/slow-conf@slow0"));
      expect(await w.reservations("slow-conf")).toHaveLength(1);
      const removing = client.api.detachNetwork({ containerId: "rst4", interface: "slow0" }).catch((e: unknown) => e);
      await killWhileSlowNoopRuns(first, removing, false);
    } finally {
      client.close();
    }
    expect(await w.reservations("slow-conf")).toEqual([]);

    // The next daemon's noop answers DEL at once: the plugin is the binary found at exec time.
    const quick = join(w.dir, "quick-noop.sh");
    await writeFile(
      quick,
      '#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = VERSION ] && echo \'{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}\'\nexit 0\n',
    );
    await chmod(quick, 0o755);
    await rm(join(w.binDirs[0]!, "noop"));
    await symlink(quick, join(w.binDirs[0]!, "noop"));
    const second = await startProcess(configPath);
    expect(second.stdout()).toContain(TOOK_OFF);
    expect(await w.podLinks()).toEqual(["eth0"]);
    expect(await w.reservations("slow-conf")).toEqual([]);
    const again = createDaemonClient(config.socketPath);
    try {
      const [listed] = (await again.api.listAttachments({ containerId: "rst4" })).attachments;
      expect(listed!.interfaces.map((i) => i.interface)).toEqual(["eth0"]);
      await again.api.detachNetworks({ containerId: "rst4", netnsPath: w.netns.path });
    } finally {
      again.close();
    }
    expect(await w.podLinks()).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
