// A DEL for a pod netattachd has no record of, through the real runtime: a private containerd 1.6 +
// runc whose pod ran on the cluster network (bridge + host-local + portmap, with a hostPort) before
// `netattachctl install`, then is deleted through the shim and netattachd (composed in this process,
// so its log and events can be read). Its address and portmap's rules must go; and the DELs a
// normal pod's lifecycle sends after its record is gone must exec no plugin.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { runPodSandbox, type RunningPod } from "../helpers/containerd/pod-sandbox.js";
import { startInProcessDaemon, type InProcessDaemon } from "../helpers/containerd/in-process-daemon.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { deleteNatRulesMentioning, iptablesSave, ipamReservationOwner, ipamReservations } from "../helpers/host-net.js";
import { describeRoot } from "../helpers/root.js";

const HOST_PORT = 18231;

describeRoot("containerd → netattach-cni → netattachd: a DEL with no saved attachment", () => {
  let node: NetattachNode;
  let before: RunningPod | undefined;
  let n = 0;
  let d: InProcessDaemon;

  beforeAll(async () => {
    node = await createNetattachNode({
      tag: "du",
      shim: await buildShim(),
      octet: 231,
      readinessTimeoutMs: 5_000,
      withNetattach: false,
    });
  });

  afterAll(async () => {
    await node?.dispose(); // stops the daemon too, after containerd's graceful stop has DELed through it
    if (before !== undefined) await deleteNatRulesMentioning(before.id);
  });

  /** netattachd in this process on the node's socket and state (the DaemonSet's second step). */
  const startDaemon = (): Promise<InProcessDaemon> => startInProcessDaemon(node);

  const remove = async (id: string): Promise<void> => {
    await node.containerd.cri.stopPodSandbox({ podSandboxId: id });
    await node.containerd.cri.removePodSandbox({ podSandboxId: id });
  };
  const attached = async (id: string): Promise<boolean> =>
    (await d.client.api.listAttachments({ containerId: id })).attachments.length > 0;
  const pluginExecs = (id: string, command: string): string[] =>
    d.lines
      .filter((l) => l.msg === "plugin exec" && l.containerId === id && l.command === command)
      .map((l) => String(l.plugin));

  it("a pod that ran before the install is deleted after it: its host-local reservation and portmap's rules are gone, a warn line names it", async () => {
    before = await runPodSandbox(node.containerd, {
      name: "du-before-install",
      portMappings: [{ containerPort: 80, hostPort: HOST_PORT }],
    });
    const [ip] = await ipamReservations(node.ipamDir, node.net.cluster);
    expect((await ipamReservationOwner(node.ipamDir, node.net.cluster, ip!)).split(/\s/)[0]).toBe(before.id);
    expect(await iptablesSave("nat")).toContain(before.id);
    expect(await iptablesSave("nat")).toContain(`--dport ${HOST_PORT}`);

    await node.netattachctl();
    d = await startDaemon();
    // containerd reloads its conf dir after the install's rename: wait until a new pod goes through netattach.
    for (let i = 0; ; i++) {
      const probe = await runPodSandbox(node.containerd, { name: `du-probe-${++n}` });
      const through = await attached(probe.id);
      await remove(probe.id);
      if (through) break;
      if (i === 50) throw new Error("pods never went through netattach after the install");
      await sleep(100);
    }

    await remove(before.id);
    expect(await ipamReservations(node.ipamDir, node.net.cluster)).toEqual([]);
    const nat = await iptablesSave("nat");
    expect(nat).not.toContain(before.id);
    expect(nat).not.toContain(`--dport ${HOST_PORT}`);
    expect(pluginExecs(before.id, "DEL").sort()).toEqual(["bridge", "portmap"]);
    const warned = d.lines.filter((l) => l.level === 40 && l.containerId === before!.id);
    expect(warned.map((l) => l.msg)).toEqual([
      `no saved attachment for ${before.id}: released the cluster network ${node.net.cluster} from its current config; secondary networks, if any, are unknown`,
    ]);
    expect(d.events.find((e) => e.kind === "detach" && e.containerId === before!.id)).toMatchObject({
      outcome: "ok",
      interfaces: [{ network: node.net.cluster, ifName: "eth0", ips: [] }],
    });
    before = undefined;
  });

  it("a normal pod's lifecycle execs each cluster plugin's DEL once: the DELs containerd sends after its record is gone exec none", async () => {
    const pod = await runPodSandbox(node.containerd, {
      name: `du-normal-${++n}`,
      portMappings: [{ containerPort: 80, hostPort: HOST_PORT + 1 }],
    });
    expect(await attached(pod.id)).toBe(true);
    await remove(pod.id);
    // containerd's StopPodSandbox and RemovePodSandbox each DEL.
    expect(d.events.filter((e) => e.kind === "detach" && e.containerId === pod.id).length).toBeGreaterThanOrEqual(2);
    expect(pluginExecs(pod.id, "DEL").sort()).toEqual(["bridge", "portmap"]);
    expect(d.lines.filter((l) => l.level === 40 && l.containerId === pod.id)).toEqual([]);
    expect(await ipamReservations(node.ipamDir, node.net.cluster)).toEqual([]);
    expect(await iptablesSave("nat")).not.toContain(pod.id);
  });
});
