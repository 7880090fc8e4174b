// The Kubernetes edge: informers for this node's pods and for NetworkAttachmentDefinitions,
// live GET fallbacks, and the network-status PATCH.
export { createKubeEdge } from "./create-kube-edge.js";
export type { CreateKubeEdge, KubeEdge, KubeEdgeConfig, KubeEdgeDeps, KubeTuning } from "./kube-edge.js";
export { DEFAULT_KUBE_TUNING } from "./kube-tuning.js";
export { checkPodUid, isStaticPod, podUidMatches, CONFIG_SOURCE_ANNOTATION } from "./pod-uid.js";
export { NETWORK_STATUS_ANNOTATION, networkStatusPatch } from "./kube-status-writer.js";
export type { KubePodLookupOptions, KubePodSource } from "./kube-pod-source.js";
// What netattachctl doctor needs to LIST definitions as the daemon does (imported lazily there).
export { createKubeClient, loadKubeConfig } from "./kube-client.js";
export { describeApiFailure } from "./api-failure.js";
export { NAD_GROUP, NAD_PLURAL, NAD_VERSION } from "./nad-api.js";
export { trimNad } from "./trim-object.js";
