// `netattachctl doctor` on a node where real host-local ADDs ran for container ids netattach has no
// record of (a secondary network's, as after a lost stateDir; the cluster network's, as for a pod
// that predates netattach) next to a pod netattach attached: the unowned reservations are named
// by address and container id, the saved pod's are not, and the printed fixes release them.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { DEFAULTS, stateLayout, type DaemonConfig } from "../../server/src/config/index.js";
import { ipamReservationOwner } from "../helpers/host-net.js";
import { runNetattachctl } from "../helpers/netattachctl.js";
import { createNetns, type Netns } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

interface Check {
  check: string;
  status: string;
  message: string;
  fix?: string;
}

describeRoot("doctor e2e: host-local reservations nothing owns", () => {
  let w: ServiceWorld;
  let lost: Netns | undefined;

  beforeEach(async () => {
    w = await createServiceWorld("dip");
    await writeStandardNads(w);
  });
  afterEach(async () => {
    await lost?.delete();
    await w?.cleanup();
  });

  it("names a real reservation with no saved attachment by address and container id, not the saved pod's; its fix releases it", async () => {
    // No container runtime to ask on this node: doctor judges by the network alone.
    const over: Partial<DaemonConfig> = { reconcile: { ...DEFAULTS.reconcile, runtimeSocket: "" } };
    const d = await w.start(over);
    const configPath = join(w.dir, "netattachd.json");
    await writeFile(configPath, JSON.stringify(w.config(over)));
    await d.client.api.attachNetworks(podRequest(w, "dipsaved", "default/macvlan-conf@net1"));

    // The same network as default/macvlan-conf, run by hand for ids netattach never saw.
    lost = await createNetns("dip-lost-");
    const macvlan = join(w.dir, "macvlan-conf.conf");
    await writeFile(
      macvlan,
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "macvlan-conf",
        type: "macvlan",
        master: w.master,
        mode: "bridge",
        ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.a.subnet }]] },
      }),
    );
    const cacheDir = join(w.dir, "cni-cache");
    await mkdir(cacheDir);
    const add = async (file: string, id: string, ifName: string): Promise<string> => {
      const r = await runNetattachctl([
        "cni",
        "add",
        file,
        lost!.path,
        "--container-id",
        id,
        "--ifname",
        ifName,
        "--bin-dir",
        w.binDirs.join(":"),
        "--cache-dir",
        cacheDir,
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      return ((JSON.parse(r.stdout) as { ips: Array<{ address: string }> }).ips[0]?.address ?? "").split("/")[0]!;
    };
    const lostIp = await add(macvlan, "diplost", "net1");
    const oldIp = await add(join(w.confDir, "10-cluster.conflist"), "dipold", "eth0");
    expect(await ipamReservationOwner(w.dataDir, "macvlan-conf", lostIp)).toBe("diplost\r\nnet1");
    const [savedCluster, savedSecondary] = [
      (await w.reservations("cluster"))[0],
      (await w.reservations("macvlan-conf"))[0],
    ];
    expect(await ipamReservationOwner(w.dataDir, "macvlan-conf", savedSecondary!)).toMatch(/^dipsaved/);

    const doctor = async (): Promise<Check> => {
      const r = await runNetattachctl(["doctor", "--config", configPath, "-o", "json", "--conf-dir", w.confDir]);
      const doc = JSON.parse(r.stdout) as { checks: Check[] };
      return doc.checks.find((c) => c.check === "ipam-reservations")!;
    };
    const found = await doctor();
    expect(found.status).toBe("fail");
    const lines = found.message.split("\n");
    expect(lines).toContain(
      `${lostIp} in ${join(w.dataDir, "macvlan-conf")} (network default/macvlan-conf): container diplost, interface net1: no saved attachment; netattach is the only one that reserves on a secondary network, so nothing releases it`,
    );
    expect(lines).toContain(
      `${oldIp} in ${join(w.dataDir, "cluster")} (network cluster): container dipold, interface eth0: no saved attachment; live only if the pod predates netattach`,
    );
    expect(found.message).not.toContain("dipsaved");
    expect(found.message).not.toContain(`${savedSecondary} in`);
    expect(found.message).not.toContain(`${savedCluster} in`);

    // The fixes as printed: the cluster network's own DEL through `netattachctl cni del`, and the
    // definition's reservation file removed.
    const fixes = found.fix!.split("\n").slice(1);
    expect(fixes).toHaveLength(2);
    for (const fix of fixes) {
      const command = fix.replace(/^once crictl pods --id \S+ lists nothing: /, "");
      if (command.startsWith("rm ")) await rm(command.slice(3));
      else expect(await runNetattachctl(command.split(" ").slice(1))).toMatchObject({ code: 0, stderr: "" });
    }
    expect(await w.reservations("cluster")).toEqual([savedCluster]);
    expect(await w.reservations("macvlan-conf")).toEqual([savedSecondary]);
    expect(await doctor()).toMatchObject({
      status: "ok",
      message: "2 reservation(s) in 3 host-local data dir(s), each owned by a saved attachment",
    });
  });

  it("scans the cluster network given as an absolute path (not in the conf dir), and its fix is that file's DEL", async () => {
    // The cluster network's conflist under its own name, outside the conf dir.
    const clusterFile = join(w.dir, "cluster-path", "cluster.conflist");
    await mkdir(join(w.dir, "cluster-path"));
    const conf = JSON.parse(await readFile(join(w.confDir, "10-cluster.conflist"), "utf8")) as object;
    await writeFile(clusterFile, JSON.stringify({ ...conf, name: "pathcluster" }));
    const over: Partial<DaemonConfig> = {
      clusterNetwork: clusterFile,
      reconcile: { ...DEFAULTS.reconcile, runtimeSocket: "" },
    };
    const d = await w.start(over);
    const configPath = join(w.dir, "netattachd.json");
    await writeFile(configPath, JSON.stringify(w.config(over)));
    await d.client.api.attachNetworks(podRequest(w, "dppsaved", "default/macvlan-conf@net1"));
    const [saved] = await w.reservations("pathcluster");
    expect(saved).toBeDefined();

    // A pod that predates netattach on the cluster network: a real ADD netattach never saw.
    lost = await createNetns("dpp-old-");
    const cacheDir = join(w.dir, "cni-cache");
    const tools = ["--bin-dir", w.binDirs.join(":"), "--cache-dir", cacheDir];
    const added = await runNetattachctl([
      "cni",
      "add",
      clusterFile,
      lost.path,
      "--container-id",
      "dppold",
      "--ifname",
      "eth0",
      ...tools,
    ]);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const oldIp = (JSON.parse(added.stdout) as { ips: Array<{ address: string }> }).ips[0]!.address.split("/")[0]!;

    const doctor = async (): Promise<Check> => {
      const r = await runNetattachctl(["doctor", "--config", configPath, "-o", "json", "--conf-dir", w.confDir]);
      return (JSON.parse(r.stdout) as { checks: Check[] }).checks.find((c) => c.check === "ipam-reservations")!;
    };
    const found = await doctor();
    expect(found.status).toBe("warn");
    expect(found.message.split("\n").slice(1)).toEqual([
      `${oldIp} in ${join(w.dataDir, "pathcluster")} (network pathcluster): container dppold, interface eth0: no saved attachment; live only if the pod predates netattach`,
    ]);
    const fix = found.fix!.split("\n")[1]!;
    expect(fix).toBe(
      `once crictl pods --id dppold lists nothing: netattachctl cni del ${clusterFile} --container-id dppold --ifname eth0 --bin-dir ${w.binDirs.join(":")} --cache-dir ${stateLayout(w.config(over)).cacheDir}`,
    );
    // The fix as printed (its cache dir is netattachd's, which has no result for this id: host-local releases by id).
    const del = await runNetattachctl(
      fix.replace(/^once crictl pods --id \S+ lists nothing: netattachctl /, "").split(" "),
    );
    expect(del).toMatchObject({ code: 0, stderr: "" });
    expect(await w.reservations("pathcluster")).toEqual([saved]);
    expect((await doctor()).status).toBe("ok");
  });
});
