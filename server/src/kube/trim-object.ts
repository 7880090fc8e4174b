// Informer objects cut down to what resolution needs (Multus #1203: full pods cost the
// thick daemon hundreds of MB). Pods keep identity and annotations (kubectl's last-applied copy
// dropped); definitions keep identity, the resourceName annotation and spec.config, unless that
// is over limits.maxNetworkConfigBytes: then only its size is kept. The definitions informer
// holds every namespace's, so what anyone allowed to create one puts in it is held on every node.
import type { KubernetesObject } from "@kubernetes/client-node";
import { RESOURCE_NAME_ANNOTATION } from "../resolve/index.js";

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
  readonly spec?: {
    readonly config?: unknown;
    /** Bytes of a spec.config that was over the bound and not kept. */
    readonly droppedConfigBytes?: number;
  };
}

type Loose = { [k: string]: unknown } | undefined | null;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function trimMeta(meta: Loose, keep: (annotation: string) => boolean): TrimmedMeta {
  const m = meta ?? {};
  const src = (m.annotations ?? undefined) as Record<string, unknown> | undefined;
  let annotations: Record<string, string> | undefined;
  if (src) {
    annotations = {};
    for (const [k, v] of Object.entries(src)) if (keep(k) && typeof v === "string") annotations[k] = v;
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
  return { metadata: trimMeta(o?.metadata as Loose, (k) => k !== LAST_APPLIED) };
}

/**
 * `maxConfigBytes`: limits.maxNetworkConfigBytes; a larger spec.config is dropped, its size kept.
 * An options object, not a number: `items.map(trimNad)` must not pass each index as the bound.
 */
export function trimNad(
  obj: unknown,
  { maxConfigBytes = Infinity }: { readonly maxConfigBytes?: number } = {},
): TrimmedNad {
  const o = obj as Loose;
  const spec = o?.spec as Loose;
  return {
    apiVersion: str(o?.apiVersion) || "k8s.cni.cncf.io/v1",
    kind: str(o?.kind) || "NetworkAttachmentDefinition",
    metadata: trimMeta(o?.metadata as Loose, (k) => k === RESOURCE_NAME_ANNOTATION),
    ...(spec && typeof spec === "object" ? { spec: trimSpec(spec.config, maxConfigBytes) } : {}),
  };
}

function trimSpec(config: unknown, maxBytes: number): NonNullable<TrimmedNad["spec"]> {
  if (config === undefined) return {};
  // UTF-8 takes at most 3 bytes a UTF-16 unit: most configs are decided without counting.
  if (typeof config !== "string" || config.length * 3 <= maxBytes) return { config };
  const bytes = Buffer.byteLength(config);
  return bytes > maxBytes ? { droppedConfigBytes: bytes } : { config };
}
