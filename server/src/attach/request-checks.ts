// What every request must satisfy before anything is looked up, saved or run: a container id by
// the CNI rule within limits.maxContainerIdLength, a pod, and annotations within their bound.
import { containerIdProblem } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import { limitExceeded, type InputLimits } from "../limits/input-limits.js";
import type { ResolveRequest } from "./contract.js";

export type RequestLimits = Pick<InputLimits, "maxContainerIdLength" | "maxAnnotationBytes">;

export function checkContainerId(id: string, limits: RequestLimits, phase: string): void {
  if (id.length > limits.maxContainerIdLength) {
    throw limitExceeded(`container id ${quoteInput(id, 40)} is ${id.length} characters`, "maxContainerIdLength", limits.maxContainerIdLength, { phase, source: "containerId" });
  }
  const problem = containerIdProblem(id, limits.maxContainerIdLength);
  if (problem !== undefined) throw new DaemonError("INVALID_REQUEST", `containerId ${quoteInput(id)} ${problem}`, { phase, source: "containerId" });
}

/** Identity and bounds of an ADD, or of a resolve (whose container id is optional); the netns is the guard's. */
export function checkAttachRequest(req: ResolveRequest, limits: RequestLimits, phase = "plan"): void {
  if (req.containerId !== undefined) checkContainerId(req.containerId, limits, phase);
  if (req.pod.namespace === "" || req.pod.name === "") throw new DaemonError("INVALID_REQUEST", "pod namespace and name are required", { phase, source: "pod" });
  if (req.annotations !== undefined) {
    let bytes = 0;
    for (const [k, v] of Object.entries(req.annotations)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (bytes > limits.maxAnnotationBytes) {
      throw limitExceeded(`the request's pod annotations are ${bytes} bytes`, "maxAnnotationBytes", limits.maxAnnotationBytes, { phase, source: "annotations" });
    }
  }
}
