// Informer objects cut down to what resolution needs (Multus #1203: full pods cost the
// thick daemon hundreds of MB). Pods keep identity and annotations; definitions keep
// identity, annotations and spec.config. kubectl's last-applied copy is dropped from both.
import type { KubernetesObject } from "@kubernetes/client-node";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export interface TrimmedMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface TrimmedPod extends KubernetesObject {
  readonly metadata: TrimmedMeta;
}

export interface TrimmedNad extends KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: TrimmedMeta;
  readonly spec?: { readonly config?: unknown };
}

type Loose = { [k: string]: unknown } | undefined | null;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function trimMeta(meta: Loose): TrimmedMeta {
  const m = meta ?? {};
  const src = (m.annotations ?? undefined) as Record<string, unknown> | undefined;
  let annotations: Record<string, string> | undefined;
  if (src) {
    annotations = {};
    for (const [k, v] of Object.entries(src)) if (k !== LAST_APPLIED && typeof v === "string") annotations[k] = v;
  }
  return {
    name: str(m.name),
    namespace: str(m.namespace),
    uid: str(m.uid),
    resourceVersion: str(m.resourceVersion),
    ...(annotations ? { annotations } : {}),
  };
}

export function trimPod(obj: unknown): TrimmedPod {
  const o = obj as Loose;
  return { metadata: trimMeta(o?.metadata as Loose) };
}

export function trimNad(obj: unknown): TrimmedNad {
  const o = obj as Loose;
  const spec = o?.spec as Loose;
  return {
    apiVersion: str(o?.apiVersion) || "k8s.cni.cncf.io/v1",
    kind: str(o?.kind) || "NetworkAttachmentDefinition",
    metadata: trimMeta(o?.metadata as Loose),
    ...(spec && typeof spec === "object" ? { spec: spec.config === undefined ? {} : { config: spec.config } } : {}),
  };
}
