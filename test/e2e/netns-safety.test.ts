// Issue 8: nothing a caller sends may configure the node's own network namespace. Real plugins,
// real namespaces, the daemon's socket: every netns that is not a pod's is refused before any state
// is written; DEL and CHECK use the saved netns, so a forged one cannot reach a host link.
import { spawn } from "node:child_process";
import { mkdir, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { createHostVeth, deleteHostLinks, hostLink } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createServiceWorld, type ServiceWorld } from "../helpers/service-world.js";
import { rpcFailure } from "../helpers/rpc-failure.js";

describeRoot("netns safety e2e: the node's own namespace is never a target", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  /** An interface name that must never appear on the host. */
  const podIf = uniqueName("nsafe");
  const hostVeth = uniqueName("nsafe");
  const hostPeer = uniqueName("nsafp");
  let bad: Record<string, string>;

  beforeAll(async () => {
    w = await createServiceWorld("nsafe");
    d = await w.start();
    const dir = join(w.dir, "bad");
    await mkdir(join(dir, "a-directory"), { recursive: true });
    await writeFile(join(dir, "a-file"), "");
    await symlink("/proc/self/ns/net", join(dir, "host-link"));
    await symlink(join(dir, "host-link"), join(dir, "host-link-2"));
    await writeFile(join(dir, "host-bind"), "");
    await runCmd("mount", ["--bind", "/proc/self/ns/net", join(dir, "host-bind")]);
    bad = {
      "/proc/self/ns/net": "/proc/self/ns/net",
      "a symlink to it": join(dir, "host-link"),
      "init's netns": "/proc/1/ns/net",
      "a regular file": join(dir, "a-file"),
      "a directory": join(dir, "a-directory"),
      "a missing path": join(dir, "missing"),
      "a mount namespace": "/proc/self/ns/mnt",
      // The daemon reads "self" as itself: every other way to name its own namespace is the same inode.
      "a thread's netns": `/proc/thread-self/ns/net`,
      "a task's netns": `/proc/${process.pid}/task/${process.pid}/ns/net`,
      "a path through ..": "/tmp/../proc/self/ns/net",
      "a path through the root link": "/proc/self/root/proc/self/ns/net",
      "a symlink to a symlink to it": join(dir, "host-link-2"),
      "a bind mount of it": join(dir, "host-bind"),
      "a descriptor": "/proc/self/fd/0",
      "a relative path": "proc/self/ns/net",
    };
  });
  afterAll(async () => {
    if (w) await runCmd("umount", [join(w.dir, "bad", "host-bind")]).catch(() => undefined);
    await deleteHostLinks(hostVeth, podIf);
    await w?.cleanup();
  });

  const request = (containerId: string, netnsPath: string) => ({
    containerId,
    netnsPath,
    pod: { namespace: "default", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: {} },
    selections: [],
    primaryInterface: podIf,
    cniArgs: [],
    cniVersion: "",
  });

  async function nothingSaved(): Promise<void> {
    const files = await readdir(join(w.dir, "state"), { recursive: true, withFileTypes: true }).catch(() => []);
    expect(files.filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name))).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
    expect(await hostLink(podIf)).toBeUndefined();
  }

  it("ADD refuses every path that is not a pod's network namespace, naming what it is, before anything is saved", async () => {
    const expected: Record<string, RegExp> = {
      "/proc/self/ns/net": /is the node's own network namespace \(the daemon's or init's\): refusing to configure it$/,
      "a symlink to it": /is the node's own network namespace/,
      // Unreadable where /proc/1 belongs to another user namespace (this VM): refused all the same.
      "init's netns": /is the node's own network namespace|cannot be inspected \(EACCES\)/,
      "a regular file": /is a regular file, not a network namespace: a network namespace is required$/,
      "a directory": /is a directory, not a network namespace/,
      "a missing path": /does not exist \(ENOENT\)/,
      "a mount namespace": /is a mnt namespace, not a network namespace/,
      "a thread's netns": /is the node's own network namespace/,
      "a task's netns": /is the node's own network namespace/,
      "a path through ..": /is the node's own network namespace/,
      "a path through the root link": /is the node's own network namespace/,
      "a symlink to a symlink to it": /is the node's own network namespace/,
      "a bind mount of it": /is the node's own network namespace/,
      "a descriptor": /is a (device|FIFO|socket|regular file), not a network namespace/,
      "a relative path": /is not an absolute path: a network namespace is required$/,
    };
    for (const [what, path] of Object.entries(bad)) {
      const f = await rpcFailure(d.client.api.attachNetworks(request(`bad-${Object.keys(bad).indexOf(what)}`, path)));
      expect(f.code, what).toBe("INVALID_ARGUMENT");
      expect(f.info.reason, what).toBe("INVALID_NETNS");
      expect(f.info.metadata.cniCode, what).toBe("8");
      expect(f.message, what).toContain(JSON.stringify(path));
      expect(f.message, what).toMatch(expected[what]!);
      await nothingSaved();
    }
  });

  it("DEL with a forged netns is refused and the host's link named like the pod's interface survives; DEL without one uses the saved netns", async () => {
    await d.client.api.attachNetworks(request("forge1", w.netns.path));
    expect((await w.netns.link(podIf))?.ifname).toBe(podIf);
    const ip = globalAddrs(await w.netns.addr(podIf));
    expect(ip).toHaveLength(1);
    await createHostVeth(hostVeth, hostPeer);
    await runCmd("ip", ["link", "set", hostVeth, "name", podIf]).catch(async () => undefined);
    // The host now has a link with the pod's interface name: a DEL run in the host netns would delete it.
    expect(await hostLink(podIf)).toBeDefined();

    for (const path of Object.values(bad)) {
      const f = await rpcFailure(d.client.api.detachNetworks({ containerId: "forge1", netnsPath: path }));
      expect(f.info.reason).toBe("INVALID_NETNS");
      expect(f.message).toBe(
        `container forge1 was attached in netns ${JSON.stringify(w.netns.path)}, not ${JSON.stringify(path)}: DEL uses the saved netns (omit it, or send "" when it is gone)`,
      );
    }
    expect(await hostLink(podIf)).toBeDefined();
    expect((await w.netns.link(podIf))?.ifname).toBe(podIf);
    expect(await w.reservations("cluster")).toHaveLength(1);
    expect((await d.client.api.listAttachments({ containerId: "forge1" })).attachments).toHaveLength(1);

    // No netns given: the saved one. The pod's interface and address go; the host's link stays.
    const removed = await d.client.api.detachNetworks({ containerId: "forge1" });
    expect(removed.removed.map((r) => r.interface)).toEqual([podIf]);
    expect(await w.podLinks()).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
    expect(await hostLink(podIf)).toBeDefined();
    await deleteHostLinks(podIf);
  });

  it("CHECK and DEL use the saved netns only while it is still that namespace: replaced by a file, CHECK is refused and DEL releases IPAM as for a gone netns", async () => {
    const name = uniqueName("nsafe-gone-", 30);
    await runCmd("ip", ["netns", "add", name]);
    const path = `/var/run/netns/${name}`;
    try {
      await d.client.api.attachNetworks(request("gone1", path));
      await d.client.api.checkNetworks({ containerId: "gone1" });
      await runCmd("ip", ["netns", "delete", name]);
      await writeFile(path, "");
      const f = await rpcFailure(d.client.api.checkNetworks({ containerId: "gone1" }));
      expect(f.info.reason).toBe("INVALID_NETNS");
      expect(f.message).toBe(
        `netns ${JSON.stringify(path)} is a regular file, not a network namespace: a network namespace is required`,
      );
      await d.client.api.detachNetworks({ containerId: "gone1", netnsPath: path });
      expect(await w.reservations("cluster")).toEqual([]);
      expect((await d.client.api.listAttachments({ containerId: "gone1" })).attachments).toEqual([]);
      expect(await hostLink(podIf)).toBeUndefined();
    } finally {
      await rm(path, { force: true });
      await runCmd("ip", ["netns", "delete", name]).catch(() => undefined);
    }
  });

  it("plugins and rollback enter the namespace that was checked: a netns path re-pointed at the host mid-ADD reaches no host link", async () => {
    const swap = join(w.dir, "swap");
    await symlink(w.netns.path, swap);
    const [first, second] = [uniqueName("nsafe1"), uniqueName("nsafe2")];
    const ptp = (subnet: { subnet: string; gateway: string }) => ({
      type: "ptp",
      ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[subnet]] },
    });
    // A chained plugin re-points the caller's path at the host ("/proc/self" is whoever opens it).
    await w.writeNad("default", "repoint", {
      cniVersion: "1.0.0",
      name: "repoint",
      plugins: [
        ptp(w.subnets.a),
        { type: "noop", noop: { ADD: { relink: { path: swap, target: "/proc/self/ns/net" } } } },
      ],
    });
    await w.writeNad("default", "after", { cniVersion: "1.0.0", name: "after", plugins: [ptp(w.subnets.b)] });
    await w.writeNad("default", "after-fails", {
      cniVersion: "1.0.0",
      name: "after-fails",
      plugins: [ptp(w.subnets.b), { type: "noop", noop: { ADD: { error: { code: 100, msg: "refused on purpose" } } } }],
    });
    const add = (containerId: string, last: string) =>
      d.client.api.attachNetworks({
        ...request(containerId, swap),
        annotations: {
          values: {
            "k8s.v1.cni.cncf.io/networks": JSON.stringify([
              { name: "repoint", interface: first },
              { name: last, interface: second },
            ]),
            "netattach.io/serial-networks": "true",
          },
        },
      });
    try {
      // The network after the re-pointing still lands in the pod; results name the caller's path.
      const res = await add("swap1", "after");
      expect((await w.podLinks()).sort()).toEqual([podIf, first, second].sort());
      expect(await hostLink(second)).toBeUndefined();
      const sandboxes = (JSON.parse(res.primaryResultJson) as { interfaces: Array<{ sandbox?: string }> }).interfaces
        .map((i) => i.sandbox)
        .filter((s) => s !== undefined);
      expect(sandboxes).toEqual([swap]);
      await rm(swap);
      await symlink(w.netns.path, swap);
      await d.client.api.detachNetworks({ containerId: "swap1" });
      expect(await w.podLinks()).toEqual([]);

      // A failing ADD after the re-pointing rolls back in the pod: the host's links named like the
      // pod's interfaces survive, the pod's go, no address stays reserved.
      await rm(swap);
      await symlink(w.netns.path, swap);
      await createHostVeth(podIf, hostPeer);
      const f = await rpcFailure(add("swap2", "after-fails"));
      expect(f.info.reason).toBe("PLUGIN_FAILED");
      expect(f.message).toContain("refused on purpose");
      expect(f.message).toContain("rolled back");
      expect(await hostLink(podIf)).toBeDefined();
      expect(await hostLink(hostPeer)).toBeDefined();
      expect(await w.podLinks()).toEqual([]);
      for (const net of ["cluster", "repoint", "after-fails"]) expect(await w.reservations(net), net).toEqual([]);
      expect((await d.client.api.listAttachments({ containerId: "swap2" })).attachments).toEqual([]);
    } finally {
      await deleteHostLinks(podIf, hostPeer, first, second);
    }
  });

  it("DEL reaches a namespace whose path is gone through a process inside it, only when an interface the ADD made is there", async () => {
    const name = uniqueName("nsafe-held-", 30);
    const path = `/var/run/netns/${name}`;
    await runCmd("ip", ["netns", "add", name]);
    const holder = spawn("ip", ["netns", "exec", name, "sleep", "1000"], { stdio: "ignore" });
    const inside = (...args: string[]) => runCmd("nsenter", ["-t", String(holder.pid), "-n", ...args]);
    const linksInside = async () =>
      (JSON.parse((await inside("ip", "-j", "link", "show")).stdout) as Array<{ ifname: string }>).map((l) => l.ifname);
    try {
      const hostNetns = await readlink("/proc/self/ns/net");
      await vi.waitFor(
        async () => expect(await readlink(`/proc/${holder.pid}/ns/net`).catch(() => hostNetns)).not.toBe(hostNetns),
        { timeout: 5_000 },
      );
      // The pod's interface is there: DEL goes in through the holder and removes it.
      await d.client.api.attachNetworks(request("held1", path));
      await runCmd("ip", ["netns", "delete", name]);
      // containerd sends "" once it removed the path: the namespace still lives, so DEL goes in.
      await d.client.api.detachNetworks({ containerId: "held1", netnsPath: "" });
      expect(await linksInside()).not.toContain(podIf);
      expect(await w.reservations("cluster")).toEqual([]);

      // A namespace holding another interface of that name (as one that got a freed inode number
      // would): not the pod's, so DEL leaves it alone and releases the addresses as for a gone one.
      await runCmd("ip", ["netns", "attach", name, String(holder.pid)]);
      await d.client.api.attachNetworks(request("held2", path));
      await runCmd("ip", ["netns", "delete", name]);
      await inside("ip", "link", "del", podIf);
      await inside("ip", "link", "add", podIf, "type", "veth", "peer", "name", "impostor0");
      await d.client.api.detachNetworks({ containerId: "held2" });
      expect(await linksInside()).toEqual(expect.arrayContaining([podIf, "impostor0"]));
      expect(await w.reservations("cluster")).toEqual([]);
      expect((await d.client.api.listAttachments({ containerId: "held2" })).attachments).toEqual([]);
    } finally {
      holder.kill("SIGKILL");
      await runCmd("ip", ["netns", "delete", name]).catch(() => undefined);
    }
  });

  it("a non-root user cannot use the unix socket", async () => {
    const script = `require("net").connect(${JSON.stringify(d.socketPath)}).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(3); });`;
    const child = spawn("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      "-e",
      script,
    ]);
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(out.trim()).toBe("EACCES");
    expect(code).toBe(3);
  });
});
