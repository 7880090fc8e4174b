// The pod's annotations for network selection: from the request when the runtime passed them,
// else from the pod source (no cluster = none). A pod found with another UID was recreated.
import { DaemonError } from "../errors/daemon-error.js";
import type { PodSource } from "../resolve/index.js";
import type { ResolveRequest } from "./contract.js";

export async function podAnnotations(
  req: ResolveRequest,
  podSource: PodSource,
  signal?: AbortSignal,
): Promise<Readonly<Record<string, string>>> {
  if (req.annotations !== undefined) return req.annotations;
  const { namespace, name, uid } = req.pod;
  const lookup = await podSource.getPod(namespace, name, {
    ...(signal !== undefined ? { signal } : {}),
    ...(uid !== "" ? { uid } : {}),
  });
  if (lookup.found === undefined) {
    if (lookup.reason === "no-cluster") return {};
    throw new DaemonError("POD_NOT_FOUND", `pod ${namespace}/${name} is not known to the API server`, {
      phase: "resolve",
      source: `pod ${namespace}/${name}`,
    });
  }
  const pod = lookup.found;
  if (uid !== "" && pod.uid !== "" && pod.uid !== uid && pod.isStatic !== true) {
    throw new DaemonError(
      "POD_UID_MISMATCH",
      `pod ${namespace}/${name} has UID ${pod.uid} but the runtime asked for UID ${uid} (the pod was recreated)`,
      { phase: "resolve", source: `pod ${namespace}/${name}` },
    );
  }
  return pod.annotations;
}
