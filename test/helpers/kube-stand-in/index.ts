// Test support: a stand-in for the Kubernetes API server (never a real cluster).
export { startKubeStandIn, type KubeStandIn, type KubeStandInOptions, type RequestFilter } from "./kube-stand-in.js";
export { makeNad, makePod, type NadParams, type PodParams } from "./objects.js";
export type { KubeObject, RequestRecord, ResourceName, Verb } from "./types.js";
