// The real runtime path, as root: a private containerd 1.6 (Debian) + runc, its CNI conf dir
// holding only what `netattachctl install` wrote plus a bridge primary, the BUILT shim, and
// the real netattachd. Pods are driven through the CRI API as a kubelet drives them.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeRoot } from "../helpers/root.js";
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { runPodSandbox, type PodOptions, type SandboxLink as Link } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { filesUnder, isIpamBookkeeping } from "../helpers/host-net.js";
import { PodSandboxState } from "../../proto/gen/runtime/v1/api.js";

const SANDBOX_NOTREADY = PodSandboxState.SANDBOX_NOTREADY;

interface Addr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

/** host-local keeps a file per reserved address; `lock` and `last_reserved_ip.*` are bookkeeping. */
async function ipReservations(ipamDir: string): Promise<string[]> {
  return (await filesUnder(ipamDir)).filter((f) => !isIpamBookkeeping(f));
}

describeRoot("containerd → netattach-cni → netattachd", () => {
  let node: NetattachNode;
  let n = 0;

  beforeAll(async () => {
    const shim = await buildShim();
    node = await createNetattachNode({ tag: "e2e", shim, octet: 233, readinessTimeoutMs: 1_500 });
    await node.startDaemon();
  });

  afterAll(async () => {
    await node?.dispose();
  });

  // A failed test must not leave pods behind for the next one: clean up as a kubelet would.
  afterEach(async () => {
    if (node.daemon === undefined) await node.startDaemon();
    for (const p of (await node.containerd.cri.listPodSandbox({})).items) await stopAndRemove(p.id);
  });

  /** Runs a sandbox and returns what the test needs to look at it (and to check it is gone). */
  async function runPod(o: Omit<PodOptions, "name"> = {}) {
    const pod = await runPodSandbox(node.containerd, { name: `pod-${++n}`, ...o });
    const addrs = JSON.parse((await execa("ip", ["-n", pod.netns, "-j", "-4", "addr"])).stdout) as Addr[];
    const ipv4 = Object.fromEntries(addrs.map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)]));
    return { ...pod, ipv4 };
  }

  async function stopAndRemove(id: string): Promise<void> {
    await node.containerd.cri.stopPodSandbox({ podSandboxId: id });
    await node.containerd.cri.removePodSandbox({ podSandboxId: id });
  }

  async function expectNothingLeft(pod: Awaited<ReturnType<typeof runPod>>): Promise<void> {
    const hostLinks = JSON.parse((await execa("ip", ["-j", "link"])).stdout) as Link[];
    const hostPeers = pod.links.map((l) => l.link_index).filter((i): i is number => i !== undefined);
    expect(hostPeers.length).toBeGreaterThan(0);
    expect(hostLinks.filter((l) => hostPeers.includes(l.ifindex))).toEqual([]);
    expect(hostLinks.filter((l) => Object.values(node.bridges).includes(l.master ?? ""))).toEqual([]);
    expect(existsSync(pod.netnsPath)).toBe(false);
    expect(await ipReservations(node.ipamDir)).toEqual([]);
    expect((await filesUnder(node.stateDir)).filter((f) => f.includes(pod.id))).toEqual([]);
    expect((await readdir("/var/lib/cni/results").catch(() => [])).filter((f) => f.includes(pod.id))).toEqual([]);
    expect((await node.daemon?.client.listAttachments({ containerId: pod.id }))?.attachments).toEqual([]);
  }

  it("a pod without annotation gets the bridge alone, and PodSandboxStatus reports eth0's address", async () => {
    const pod = await runPod();
    expect(pod.links.map((l) => l.ifname).sort()).toEqual(["eth0", "lo"]);
    const eth0 = pod.ipv4.eth0?.[0] ?? "";
    expect(eth0).toMatch(/^10\.233\.0\.\d+\/24$/);
    const status = await node.containerd.cri.podSandboxStatus({ podSandboxId: pod.id });
    expect(status.status?.network?.ip).toBe(eth0.split("/")[0]);
    const list = await node.daemon?.client.listAttachments({ containerId: pod.id });
    expect(list?.attachments[0]?.interfaces.map((i) => [i.interface, i.network, i.isDefault])).toEqual([
      ["eth0", node.net.cluster, true],
    ]);
    await stopAndRemove(pod.id);
    await expectNothingLeft(pod);
  });

  it("text form annotation: every requested interface is in the sandbox and listed", async () => {
    const pod = await runPod({ annotations: { [NETWORKS]: `${node.net.a}, default/${node.net.b}@data1` } });
    expect(pod.links.map((l) => l.ifname).sort()).toEqual(["data1", "eth0", "lo", "net1"]);
    expect(pod.ipv4.net1?.[0]).toMatch(/^10\.233\.1\.\d+\/24$/);
    expect(pod.ipv4.data1?.[0]).toMatch(/^10\.233\.2\.\d+\/24$/);
    const list = await node.daemon?.client.listAttachments({ podNamespace: "default", podName: pod.name });
    expect(list?.attachments.map((a) => a.containerId)).toEqual([pod.id]);
    expect(list?.attachments[0]?.interfaces.map((i) => [i.interface, i.network, i.ips])).toEqual([
      ["eth0", node.net.cluster, pod.ipv4.eth0],
      ["net1", `default/${node.net.a}`, pod.ipv4.net1],
      ["data1", `default/${node.net.b}`, pod.ipv4.data1],
    ]);
    await stopAndRemove(pod.id);
    await expectNothingLeft(pod);
  });

  it("JSON form annotation: interface names as asked, and listed", async () => {
    const selections = [
      { name: node.net.b, namespace: "default", interface: "blue0" },
      { name: node.net.a, interface: "red0" },
    ];
    const pod = await runPod({ annotations: { [NETWORKS]: JSON.stringify(selections) } });
    expect(pod.links.map((l) => l.ifname).sort()).toEqual(["blue0", "eth0", "lo", "red0"]);
    expect(pod.ipv4.blue0?.[0]).toMatch(/^10\.233\.2\.\d+\/24$/);
    expect(pod.ipv4.red0?.[0]).toMatch(/^10\.233\.1\.\d+\/24$/);
    const list = await node.daemon?.client.listAttachments({ containerId: pod.id });
    expect(list?.attachments[0]?.interfaces.map((i) => i.interface)).toEqual(["eth0", "blue0", "red0"]);
    await stopAndRemove(pod.id);
    await expectNothingLeft(pod);
  });

  it("port mappings reach the cluster network's portmap through the runtime, and go with the pod", async () => {
    const hostPort = 30_000 + Math.floor(Math.random() * 20_000);
    const pod = await runPod({ portMappings: [{ containerPort: 80, hostPort }] });
    const nat = async (): Promise<string[]> =>
      (await execa("iptables-save", ["-t", "nat"])).stdout.split("\n").filter((l) => l.includes(pod.id));
    const rules = await nat();
    // portmap's jump rule carries the sandbox id; containerd sent {"HostPort",...}.
    expect(rules.some((l) => l.includes(`--dports ${hostPort}`))).toBe(true);
    await stopAndRemove(pod.id);
    expect(await nat()).toEqual([]);
    await expectNothingLeft(pod);
  });

  describe("with the daemon down", () => {
    it("RunPodSandbox fails with the shim's message; once the daemon is back the next attempt succeeds", async () => {
      await node.stopDaemon();
      // The conflist is not tied to the daemon's lifetime: it stays.
      expect(await readdir(node.confDir)).toContain("00-netattach.conflist");
      const failed = await runPod({ annotations: { [NETWORKS]: node.net.a } }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(failed?.message).toContain(`netattachd at ${node.socketPath} is not ready after 1500 ms`);
      expect(await ipReservations(node.ipamDir)).toEqual([]);
      // containerd's own cleanup DEL failed too (daemon down), so the sandbox is kept,
      // not ready, for the kubelet to stop later.
      const leftover = (await node.containerd.cri.listPodSandbox({})).items.filter(
        (p) => p.metadata?.name === `pod-${n}`,
      );
      expect(leftover.map((p) => p.state)).toEqual([SANDBOX_NOTREADY]);

      await node.startDaemon();
      // What the kubelet does next: stop and remove the failed sandbox (DEL now succeeds)...
      for (const p of leftover) await stopAndRemove(p.id);
      expect((await node.containerd.cri.listPodSandbox({})).items).toEqual([]);
      // ...and try the pod again.
      const pod = await runPod({ annotations: { [NETWORKS]: node.net.a } });
      expect(pod.links.map((l) => l.ifname).sort()).toEqual(["eth0", "lo", "net1"]);
      await stopAndRemove(pod.id);
      await expectNothingLeft(pod);
    });
  });
});
