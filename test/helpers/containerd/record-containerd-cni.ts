// Records what a real containerd 1.6 sends to a CNI plugin for a pod's lifecycle
// (RunPodSandbox → StopPodSandbox → RemovePodSandbox), with random ids scrubbed to
// placeholders. Used by record-main.ts (writes test/fixtures/containerd-1.6) and by the
// e2e test that checks the fixture still matches a live containerd.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCniBinDir } from "./cni-dirs.js";
import { startContainerd, type ContainerdHarness } from "./containerd-harness.js";
import { podSandboxConfig, sandboxNetnsPath, type PodOptions } from "./pod-sandbox.js";
import { installRecordingPlugin, readRecordedCalls, recordingConflist } from "./recording-plugin.js";

export interface RecordedScenario {
  scenario: string;
  containerd: string;
  /** The CRI pod sandbox request that produced the calls (what the kubelet sent). */
  pod: PodOptions;
  calls: { command: string; env: Record<string, string>; stdin: unknown }[];
}

export const FIXED_POD_UID = "7c1f3b5e-2a44-4d8e-9b7a-0f3c5d6e7a81";

export const RECORDING_SCENARIOS: Record<string, PodOptions> = {
  full: {
    name: "web-0",
    namespace: "team-a",
    uid: FIXED_POD_UID,
    annotations: {
      "k8s.v1.cni.cncf.io/networks": '[{"name":"macvlan-conf","interface":"net1","ips":["10.1.1.5/24"]}]',
      "kubernetes.io/ingress-bandwidth": "1M",
      "kubernetes.io/egress-bandwidth": "2M",
    },
    portMappings: [
      { containerPort: 80, hostPort: 8080 },
      { containerPort: 53, hostPort: 5353, protocol: "udp", hostIp: "127.0.0.1" },
      { containerPort: 9090, hostPort: 0 },
    ],
    dns: { servers: ["10.96.0.10"], searches: ["team-a.svc.cluster.local", "svc.cluster.local"], options: ["ndots:5"] },
  },
  minimal: { name: "plain-0", namespace: "default", uid: FIXED_POD_UID },
};

async function runScenario(h: ContainerdHarness, pod: PodOptions): Promise<{ sandboxId: string; netns: string }> {
  const { podSandboxId } = await h.cri.runPodSandbox({
    config: podSandboxConfig({ ...pod, cgroupParent: h.cgroupParent }),
  });
  await h.track(podSandboxId);
  const netns = (await sandboxNetnsPath(h.cri, podSandboxId)) ?? "";
  await h.cri.stopPodSandbox({ podSandboxId });
  await h.cri.removePodSandbox({ podSandboxId });
  return { sandboxId: podSandboxId, netns };
}

/** Replace every run-specific string with a stable placeholder. */
export function scrub(text: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of replacements) if (from !== "") out = out.split(from).join(to);
  return out;
}

export async function recordContainerdCni(cniVersion = "1.0.0"): Promise<RecordedScenario[]> {
  const work = await mkdtemp(join(tmpdir(), "na-rec-"));
  const binDir = await makeCniBinDir(join(work, "bin"));
  const confDir = join(work, "conf");
  await mkdir(confDir);
  await writeFile(join(confDir, "00-recorder.conflist"), recordingConflist(cniVersion));
  const out: RecordedScenario[] = [];
  const h = await startContainerd({ tag: "rec", cniBinDir: binDir, cniConfDir: confDir });
  try {
    await h.waitNetworkReady();
    const version = await h.cri.version({ version: "v1" });
    for (const [scenario, pod] of Object.entries(RECORDING_SCENARIOS)) {
      const recordDir = join(work, `rec-${scenario}`);
      await mkdir(recordDir);
      await installRecordingPlugin(binDir, recordDir, cniVersion);
      const { sandboxId, netns } = await runScenario(h, pod);
      const replacements = [
        [sandboxId, "<sandbox-id>"],
        [netns.replace("/var/run/netns/cni-", ""), "<netns-uuid>"],
        [h.dir, "<containerd-dir>"],
        [binDir, "<cni-bin-dir>"],
      ] as const;
      const calls = (await readRecordedCalls(recordDir)).map((c) => ({
        command: c.command,
        env: JSON.parse(scrub(JSON.stringify(c.env), replacements)) as Record<string, string>,
        stdin: JSON.parse(scrub(c.stdin, replacements)) as unknown,
      }));
      out.push({ scenario, containerd: version.runtimeVersion, pod, calls });
    }
  } finally {
    await h.stop();
    await rm(work, { recursive: true, force: true });
  }
  return out;
}
