// Teardown always finishes, through the real runtime: a private containerd 1.6 + runc, the built
// shim, and netattachd composed in this process (so its events and log can be read) on the node's
// socket and state. Debian's macvlan 1.1.1 cannot DEL once its master is gone; containerd's state
// can vanish while the daemon is down; an ADD can be slow — none of it may leave addresses, links
// or state behind, or wedge a pod.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { AttachmentPhase } from "../../proto/gen/netattach/v1/attachment.js";
import type { DaemonConfig } from "../../server/src/config/index.js";
import { NOOP_PLUGIN } from "../fixtures/plugins/plugin-bin.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import {
  runPodSandbox,
  type PodOptions,
  type RunningPod,
  type SandboxLink as Link,
} from "../helpers/containerd/pod-sandbox.js";
import { startInProcessDaemon, type InProcessDaemon } from "../helpers/containerd/in-process-daemon.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { filesUnder, isIpamBookkeeping } from "../helpers/host-net.js";
import { describeRoot } from "../helpers/root.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const OCTET = 235;

/** host-local keeps a file per reserved address; `lock` and `last_reserved_ip.*` are bookkeeping. */
async function ipReservations(ipamDir: string): Promise<string[]> {
  return (await filesUnder(ipamDir)).filter((f) => !isIpamBookkeeping(f));
}

async function until(what: string, cond: () => Promise<boolean>, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeRoot("containerd → netattach-cni → netattachd: teardown always finishes", () => {
  let node: NetattachNode;
  let master: string;
  let binDir: string;
  let n = 0;
  let current: InProcessDaemon | undefined;

  /** netattachd in this process on the node's socket and state, with the reconciler asking this containerd. */
  async function startDaemon(reconcile: Partial<DaemonConfig["reconcile"]> = {}): Promise<InProcessDaemon> {
    current = await startInProcessDaemon(
      node,
      {
        cniBinDirs: [...CNI_BIN_DIRS, binDir],
        shutdownTimeoutMs: 5_000,
        reconcile: {
          enabled: true,
          intervalMs: 60_000,
          gracePeriodMs: 120_000,
          gcTimeoutMs: 10_000,
          runtimeSocket: node.containerd.paths.socket,
          ...reconcile,
        },
      },
      () => (current = undefined),
    );
    return current;
  }

  beforeAll(async () => {
    node = await createNetattachNode({ tag: "td", shim: await buildShim(), octet: OCTET, readinessTimeoutMs: 5_000 });
    master = `natdm${randomBytes(3).toString("hex")}`;
    binDir = join(node.dir, "extra-bin");
    await mkdir(binDir);
    await symlink(NOOP_PLUGIN, join(binDir, "noop"));
    const defs = join(node.dir, "definitions");
    const nad = (name: string, config: object) =>
      writeFile(
        join(defs, `${name}.json`),
        JSON.stringify({
          apiVersion: "k8s.cni.cncf.io/v1",
          kind: "NetworkAttachmentDefinition",
          metadata: { name, namespace: "default" },
          spec: { config: JSON.stringify(config) },
        }),
      );
    await nad("td-mv", {
      cniVersion: "1.0.0",
      name: "td-mv",
      type: "macvlan",
      master,
      mode: "bridge",
      ipam: { type: "host-local", ranges: [[{ subnet: `10.${OCTET}.3.0/24` }]], dataDir: node.ipamDir },
    });
    await nad("td-slow", {
      cniVersion: "1.0.0",
      name: "td-slow",
      plugins: [{ type: "noop", noop: { ADD: { sleepMs: 5_000 } } }],
    });
  });

  afterAll(async () => {
    if (current === undefined) await startDaemon().catch(() => undefined);
    await node?.dispose();
    await execa("ip", ["link", "del", master], { reject: false });
  });

  afterEach(async () => {
    if (current === undefined) await startDaemon();
    for (const p of (await node.containerd.cri.listPodSandbox({})).items) {
      await node.containerd.cri.stopPodSandbox({ podSandboxId: p.id });
      await node.containerd.cri.removePodSandbox({ podSandboxId: p.id });
    }
    await current?.stop();
  });

  const runPod = (o: Omit<PodOptions, "name"> = {}): Promise<RunningPod> =>
    runPodSandbox(node.containerd, { name: `pod-${++n}`, ...o });

  async function expectNothingLeft(pod: RunningPod): Promise<void> {
    const hostLinks = JSON.parse((await execa("ip", ["-j", "link"])).stdout) as Link[];
    const hostPeers = pod.links.map((l) => l.link_index).filter((i): i is number => i !== undefined);
    expect(hostPeers.length).toBeGreaterThan(0);
    expect(hostLinks.filter((l) => hostPeers.includes(l.ifindex))).toEqual([]);
    expect(await ipReservations(node.ipamDir)).toEqual([]);
    expect((await filesUnder(node.stateDir)).filter((f) => f.includes(pod.id))).toEqual([]);
    expect((await current!.client.api.listAttachments({ containerId: pod.id })).attachments).toEqual([]);
  }

  it("a pod whose macvlan master was deleted after ADD is stopped and removed: no address, link or state stays, and macvlan's DEL failure is logged and sent as an event", async () => {
    await execa("ip", ["link", "add", master, "type", "veth", "peer", "name", `${master}p`]);
    await execa("ip", ["link", "set", master, "up"]);
    const d = await startDaemon();
    const pod = await runPod({ annotations: { [NETWORKS]: "td-mv" } });
    expect(pod.links.map((l) => l.ifname).sort()).toEqual(["eth0", "lo", "net1"]);
    expect((await ipReservations(node.ipamDir)).some((f) => f.startsWith(`td-mv/10.${OCTET}.3.`))).toBe(true);

    await execa("ip", ["link", "del", master]);
    // What the kubelet does: both complete, whatever macvlan says.
    await node.containerd.cri.stopPodSandbox({ podSandboxId: pod.id });
    await node.containerd.cri.removePodSandbox({ podSandboxId: pod.id });

    await expectNothingLeft(pod);
    expect(existsSync(pod.netnsPath)).toBe(false);
    const warned = d.lines.find(
      (l) => l.plugin === "macvlan" && l.network === "default/td-mv" && l.containerId === pod.id,
    );
    expect(warned?.msg).toBe(
      "del: the plugin's DEL failed; netattach removed the interface and released the addresses itself",
    );
    expect(JSON.stringify(warned?.err)).toContain("Link not found");
    const orphan = d.events.find((e) => e.kind === "orphan" && e.containerId === pod.id);
    expect(orphan).toMatchObject({
      outcome: "ok",
      network: "default/td-mv",
      ifName: "net1",
      plugin: "macvlan",
      reason: "PLUGIN_FAILED",
    });
    expect(orphan?.message).toContain("Link not found");
    expect(d.events.find((e) => e.kind === "detach" && e.containerId === pod.id)).toMatchObject({ outcome: "ok" });
  });

  it("a sandbox containerd forgot while the daemon was down is detached by the reconciler within one period: no links, addresses or state left", async () => {
    let d = await startDaemon({ intervalMs: 1_000, gracePeriodMs: 1_000 });
    const pod = await runPod({ annotations: { [NETWORKS]: node.net.a } });
    expect(pod.links.map((l) => l.ifname).sort()).toEqual(["eth0", "lo", "net1"]);
    await d.stop();

    // containerd's state loses the sandbox (its task and record deleted, containerd restarted);
    // its netns stays mounted: only the runtime's own list can tell it is gone.
    const ctr = ["--address", node.containerd.paths.socket, "--namespace", "k8s.io"];
    // `tasks delete --force` kills the task and deletes it; it may lose the race with containerd
    // reaping the killed process ("cannot delete a deleted process"). What counts is that the task is gone.
    const deleted = await execa("ctr", [...ctr, "tasks", "delete", "--force", pod.id], { reject: false });
    if (deleted.exitCode !== 0) {
      await vi.waitFor(
        async () =>
          expect((await execa("ctr", [...ctr, "tasks", "ls", "-q"])).stdout.split("\n")).not.toContain(pod.id),
        { timeout: 10_000, interval: 200 },
      );
    }
    await execa("ctr", [...ctr, "containers", "delete", pod.id]);
    await node.containerd.restart();
    expect((await node.containerd.cri.listPodSandbox({})).items.map((p) => p.id)).not.toContain(pod.id);
    expect(existsSync(pod.netnsPath)).toBe(true);

    d = await startDaemon({ intervalMs: 1_000, gracePeriodMs: 1_000 });
    // Grace and one period (2 s), then real DELs: 4 s leaves room for a loaded CI machine.
    const started = Date.now();
    await until(
      "the reconciler detaches the forgotten sandbox",
      async () => (await d.client.api.listAttachments({ containerId: pod.id })).attachments.length === 0,
      4_000,
    );
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(JSON.parse((await execa("ip", ["-n", pod.netns, "-j", "link"])).stdout).map((l: Link) => l.ifname)).toEqual([
      "lo",
    ]);
    await expectNothingLeft(pod);
    expect(d.events.find((e) => e.kind === "reconcile" && e.containerId === pod.id)).toMatchObject({ outcome: "ok" });
    await execa("ip", ["netns", "del", pod.netns]);
  });

  it("the reconciler never touches an attachment whose ADD is in flight (a slow plugin), even once its sandbox is past the grace period", async () => {
    // Grace 1 s, the slow network's ADD 5 s: containerd lists the sandbox only after RunPodSandbox.
    const d = await startDaemon({ intervalMs: 300, gracePeriodMs: 1_000 });
    const pod = await runPod({ annotations: { [NETWORKS]: "td-slow" } });
    const skipped = d.lines.filter((l) => l.containerId === pod.id && l.outcome === "skipped-in-flight");
    expect(skipped.length).toBeGreaterThan(0);
    const [a] = (await d.client.api.listAttachments({ containerId: pod.id })).attachments;
    expect(a?.phase).toBe(AttachmentPhase.ATTACHMENT_PHASE_ATTACHED);
    expect(a?.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1"]);
    // Passes go on after the ADD: the running sandbox is listed by containerd and kept.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await d.client.api.listAttachments({ containerId: pod.id })).attachments).toHaveLength(1);
    expect(d.events.filter((e) => e.kind === "reconcile" && e.containerId === pod.id)).toEqual([]);
  });
});
