// Pod sandbox configs as a kubelet would send them, and what containerd reports back.
import { randomUUID } from "node:crypto";
import type { DeepPartial, PodSandboxConfig } from "../../fixtures/cri/gen/runtime/v1/api.js";
import { Protocol } from "../../fixtures/cri/gen/runtime/v1/api.js";
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
