// Annotation names of the multi-network spec and Multus, in one place.

/** Pod: secondary networks, text or JSON form. */
export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
/** Pod: replaces the cluster network (exactly one element). */
export const DEFAULT_NETWORK_ANNOTATION = "v1.multus-cni.io/default-network";
/** NetworkAttachmentDefinition: device-plugin / DRA resource. */
export const RESOURCE_NAME_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName";
/** Pod (netattach's own): "true" runs its secondary networks' delegates one after another, not concurrently. */
export const SERIAL_NETWORKS_ANNOTATION = "netattach.io/serial-networks";
