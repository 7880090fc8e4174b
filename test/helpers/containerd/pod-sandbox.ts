// Pod sandbox configs as a kubelet would send them, and what containerd reports back.
import { randomUUID } from "node:crypto";
import { execa } from "execa";
import type { DeepPartial, PodSandboxConfig } from "../../../proto/gen/runtime/v1/api.js";
import { Protocol } from "../../../proto/gen/runtime/v1/api.js";
import type { CriClient } from "./cri-client.js";

export interface PodOptions {
  name: string;
  namespace?: string;
  uid?: string;
  annotations?: Record<string, string>;
  cgroupParent?: string;
  portMappings?: { containerPort: number; hostPort: number; protocol?: "tcp" | "udp"; hostIp?: string }[];
  dns?: { servers: string[]; searches: string[]; options: string[] };
}

export function podSandboxConfig(o: PodOptions): DeepPartial<PodSandboxConfig> {
  return {
    metadata: { name: o.name, namespace: o.namespace ?? "default", uid: o.uid ?? randomUUID(), attempt: 0 },
    hostname: o.name,
    annotations: o.annotations ?? {},
    labels: { "io.kubernetes.pod.name": o.name },
    dnsConfig: o.dns,
    portMappings: (o.portMappings ?? []).map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      hostIp: p.hostIp ?? "",
      protocol: p.protocol === "udp" ? Protocol.UDP : Protocol.TCP,
    })),
    linux: { cgroupParent: o.cgroupParent ?? "", securityContext: { namespaceOptions: {} } },
  };
}

/** containerd's verbose sandbox info (a JSON string under info["info"]). */
export async function sandboxInfo(cri: CriClient, id: string): Promise<Record<string, unknown>> {
  const res = await cri.podSandboxStatus({ podSandboxId: id, verbose: true });
  const raw = res.info["info"];
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

interface SpecNamespace {
  type?: string;
  path?: string;
}

/** The sandbox's network namespace path, e.g. /var/run/netns/cni-<uuid>. */
export async function sandboxNetnsPath(cri: CriClient, id: string): Promise<string | undefined> {
  const info = await sandboxInfo(cri, id);
  const spec = info["runtimeSpec"] as { linux?: { namespaces?: SpecNamespace[] } } | undefined;
  return spec?.linux?.namespaces?.find((n) => n.type === "network")?.path;
}

export interface SandboxLink {
  readonly ifname: string;
  readonly ifindex: number;
  /** The peer's index (veth: in the host), or the parent's (macvlan). */
  readonly link_index?: number;
  readonly master?: string;
}

export interface RunningPod {
  readonly id: string;
  readonly name: string;
  readonly netnsPath: string;
  /** The netns name under /var/run/netns. */
  readonly netns: string;
  /** Its links right after RunPodSandbox. */
  readonly links: readonly SandboxLink[];
}

/** RunPodSandbox as the kubelet sends it, tracked for cleanup, with the sandbox's netns and links. */
export async function runPodSandbox(
  containerd: { readonly cri: CriClient; readonly cgroupParent: string; track(id: string): Promise<void> },
  o: PodOptions,
): Promise<RunningPod> {
  const { podSandboxId } = await containerd.cri.runPodSandbox({
    config: podSandboxConfig({ cgroupParent: containerd.cgroupParent, ...o }),
  });
  await containerd.track(podSandboxId);
  const netnsPath = (await sandboxNetnsPath(containerd.cri, podSandboxId)) ?? "";
  const netns = netnsPath.split("/").pop() ?? "";
  const links = JSON.parse((await execa("ip", ["-n", netns, "-j", "link"])).stdout) as SandboxLink[];
  return { id: podSandboxId, name: o.name, netnsPath, netns, links };
}
