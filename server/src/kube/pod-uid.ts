// Pod identity rules (Multus): a pod found by namespace/name with another UID than the
// runtime's was recreated, unless it is a static pod, whose API object (the mirror pod)
// has its own UID. Static = annotation kubernetes.io/config.source present and not "api".
import { DaemonError } from "../errors/daemon-error.js";
import type { PodInfo } from "../resolve/index.js";

export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";

export function isStaticPod(annotations: Readonly<Record<string, string>> | undefined): boolean {
  const source = annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== "api";
}

/** Whether `pod` may serve a request for `expectedUid` (empty = the runtime gave none). */
export function podUidMatches(
  expectedUid: string | undefined,
  pod: Pick<PodInfo, "uid" | "annotations" | "isStatic">,
): boolean {
  if (!expectedUid || !pod.uid || pod.uid === expectedUid) return true;
  return pod.isStatic ?? isStaticPod(pod.annotations);
}

/** Throws POD_UID_MISMATCH when the pod was recreated (static pods excepted). */
export function checkPodUid(expectedUid: string | undefined, pod: PodInfo): void {
  if (podUidMatches(expectedUid, pod)) return;
  const ref = `${pod.namespace}/${pod.name}`;
  throw new DaemonError(
    "POD_UID_MISMATCH",
    `pod ${ref} has UID ${pod.uid} but the runtime asked for UID ${expectedUid} (the pod was recreated)`,
    { phase: "resolve", source: `pod ${ref}` },
  );
}
