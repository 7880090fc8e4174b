// `netattachctl install` / `--uninstall` against a RUNNING containerd 1.6: the atomic write
// (temp file in the conf dir + rename) is an event containerd's conf watcher reloads on, so
// the next pod goes through the shim; after --uninstall it goes to the bridge directly.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRoot } from "../helpers/root.js";
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { podSandboxConfig } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";

describeRoot("netattachctl install on a running containerd", () => {
  let node: NetattachNode;
  let n = 0;

  beforeAll(async () => {
    node = await createNetattachNode({
      tag: "ins",
      shim: await buildShim(),
      octet: 236,
      withNetattach: false,
      readinessTimeoutMs: 1_000,
    });
    await node.startDaemon();
  });

  afterAll(async () => {
    await node?.dispose();
  });

  /** Runs and removes a pod; true when netattachd saw it (it went through the shim). */
  async function podUsesNetattach(): Promise<boolean> {
    const { podSandboxId } = await node.containerd.cri.runPodSandbox({
      config: podSandboxConfig({ name: `ins-${++n}`, cgroupParent: node.containerd.cgroupParent }),
    });
    await node.containerd.track(podSandboxId);
    const seen =
      ((await node.daemon?.client.listAttachments({ containerId: podSandboxId }))?.attachments.length ?? 0) > 0;
    await node.containerd.cri.stopPodSandbox({ podSandboxId });
    await node.containerd.cri.removePodSandbox({ podSandboxId });
    return seen;
  }

  /** containerd reloads asynchronously after the fsnotify event. */
  async function eventually(want: boolean): Promise<void> {
    for (let i = 0; i < 50; i++) {
      if ((await podUsesNetattach()) === want) return;
      await sleep(100);
    }
    throw new Error(`pods never ${want ? "went" : "stopped going"} through netattach`);
  }

  describe("install, then uninstall", () => {
    it("switches the next pods to the shim and back", async () => {
      expect(await podUsesNetattach()).toBe(false);
      expect(await node.netattachctl()).toContain(`cluster network "${node.net.cluster}"`);
      await eventually(true);
      await node.netattachctl("--uninstall");
      await eventually(false);
    });
  });
});
