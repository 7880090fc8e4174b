// Where NetworkAttachmentDefinitions live in the API (multi-net spec CRD).
export const NAD_GROUP = "k8s.cni.cncf.io";
export const NAD_VERSION = "v1";
export const NAD_PLURAL = "network-attachment-definitions";

/** Collection path for the informer: all namespaces when `namespace` is "". */
export function nadCollectionPath(namespace: string): string {
  const base = `/apis/${NAD_GROUP}/${NAD_VERSION}`;
  return namespace === ""
    ? `${base}/${NAD_PLURAL}`
    : `${base}/namespaces/${encodeURIComponent(namespace)}/${NAD_PLURAL}`;
}
