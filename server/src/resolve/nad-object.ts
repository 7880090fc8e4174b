// A NetworkAttachmentDefinition object (the real CRD shape) checked and reduced to what
// resolution needs. Shared by the manifest-dir source and the Kubernetes source.
import { isDnsLabel } from "./name-checks.js";
import { RESOURCE_NAME_ANNOTATION } from "./annotations.js";
import { isJsonObject } from "../cni/index.js";

export const NAD_API_VERSION = "k8s.cni.cncf.io/v1";
export const NAD_KIND = "NetworkAttachmentDefinition";

export interface NadRecord {
  readonly namespace: string;
  readonly name: string;
  /** spec.config text; absent or "" = the conf dir network of the same name. */
  readonly config?: string;
  readonly resourceName?: string;
  /** Why this definition cannot be used although its name is known; reported when it is looked up. */
  readonly problem?: string;
  /** Manifest file, for the files source. */
  readonly manifestPath?: string;
}

/** A NAD object → record, or the reason it has no usable name (then nobody can look it up). */
export function nadRecordFromObject(obj: unknown, manifestPath?: string): NadRecord | { readonly problem: string } {
  if (!isJsonObject(obj)) return { problem: "is not an object" };
  const meta = isJsonObject(obj.metadata) ? obj.metadata : {};
  const name = meta.name;
  const namespace = meta.namespace ?? "default";
  if (typeof name !== "string" || !isDnsLabel(name))
    return { problem: `metadata.name ${JSON.stringify(name ?? null)} is not a DNS-1123 label` };
  if (typeof namespace !== "string" || !isDnsLabel(namespace))
    return { problem: `metadata.namespace ${JSON.stringify(namespace)} of ${name} is not a DNS-1123 label` };

  const annotations = isJsonObject(meta.annotations) ? meta.annotations : {};
  const resource = annotations[RESOURCE_NAME_ANNOTATION];
  const base = {
    namespace,
    name,
    ...(manifestPath === undefined ? {} : { manifestPath }),
    ...(typeof resource === "string" && resource !== "" ? { resourceName: resource } : {}),
  };
  if (obj.apiVersion !== NAD_API_VERSION)
    return { ...base, problem: `apiVersion is ${JSON.stringify(obj.apiVersion ?? null)}, expected ${NAD_API_VERSION}` };
  if (obj.spec === undefined || obj.spec === null) return base;
  if (!isJsonObject(obj.spec)) return { ...base, problem: "spec is not an object" };
  const config = obj.spec.config;
  if (config === undefined || config === null || config === "") return base;
  if (typeof config !== "string")
    return {
      ...base,
      problem:
        "spec.config must be a string holding the CNI JSON (quote it; an inline YAML object is not the CRD shape)",
    };
  return { ...base, config };
}
