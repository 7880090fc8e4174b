// What every request must satisfy before anything is looked up, saved or run: a container id by
// the CNI rule within limits.maxContainerIdLength (for an id that may be saved already, within the
// hard bound only: checkSavedContainerId), a pod named as Kubernetes names pods, CNI_ARGS
// pairs the format can carry, all of them (the daemon's K8S_POD_* too) within limits.maxCniArgsBytes,
// so no plugin exec fails with E2BIG, annotations within their bound, runtimeConfig by the rules
// of its annotation twins, and a result version the daemon can answer in (else every plugin
// would run and be rolled back for nothing).
import {
  ALL_VERSIONS,
  cniArgPairProblem,
  containerIdProblem,
  isKnownVersion,
  MAX_CONTAINER_ID_LENGTH,
} from "../cni/index.js";
import { isDnsLabel, isDnsSubdomain } from "../resolve/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import { limitExceeded, MAX_POD_UID_LENGTH, type InputLimits } from "../limits/input-limits.js";
import { checkRuntimeCapabilities } from "./capability-args.js";
import type { AttachRequest, ResolveRequest } from "./contract.js";
import { checkPrimaryIfName } from "./interface-names.js";
import { delegateCniArgs } from "./plan.js";
import { REFUSED } from "./preflight/finding.js";

export type RequestLimits = Pick<
  InputLimits,
  "maxContainerIdLength" | "maxAnnotationBytes" | "maxCniArgsBytes" | "maxPortMappings"
>;

/** A container id the daemon takes on (an ADD, a DEL released from config): the CNI rule within limits.maxContainerIdLength. */
export function checkContainerId(id: string, limits: RequestLimits, phase: string): void {
  checkIdWithin(id, limits.maxContainerIdLength, limits, phase);
}

/**
 * A container id that may have a saved record (DEL, CHECK, hot-plugs, start-up's finishing): the
 * CNI rule within MAX_CONTAINER_ID_LENGTH only, the hard bound of its record's file name. Its ADD
 * checked limits.maxContainerIdLength; a bound lowered since must not refuse the DEL of what that
 * ADD attached, for ever. Where nothing is saved, the configured bound applies again
 * (checkUnrecordedDetach); an id over the hard bound is over any configured one too, and named so.
 */
export function checkSavedContainerId(id: string, limits: RequestLimits, phase: string): void {
  checkIdWithin(id, MAX_CONTAINER_ID_LENGTH, limits, phase);
}

function checkIdWithin(id: string, max: number, limits: RequestLimits, phase: string): void {
  if (id.length > max) {
    throw limitExceeded(
      `container id ${quoteInput(id, 40)} is ${id.length} characters`,
      "maxContainerIdLength",
      limits.maxContainerIdLength,
      { phase, source: "containerId" },
    );
  }
  const problem = containerIdProblem(id, max);
  if (problem !== undefined)
    throw new DaemonError("INVALID_REQUEST", `containerId ${quoteInput(id)} ${problem}`, {
      phase,
      source: "containerId",
    });
}

/** Identity and bounds of an ADD, or of a resolve (whose container id is optional); the netns is the guard's. */
export function checkAttachRequest(req: ResolveRequest, limits: RequestLimits, phase = "plan"): void {
  if (req.containerId !== undefined) checkContainerId(req.containerId, limits, phase);
  checkPod(req.pod, phase);
  checkCniArgs(req, limits, phase);
  if (req.annotations !== undefined) {
    let bytes = 0;
    for (const [k, v] of Object.entries(req.annotations)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (bytes > limits.maxAnnotationBytes) {
      throw limitExceeded(
        `the request's pod annotations are ${bytes} bytes`,
        "maxAnnotationBytes",
        limits.maxAnnotationBytes,
        { phase, source: "annotations" },
      );
    }
  }
  checkCniVersion(req.cniVersion, phase);
  checkRuntimeConfig(req, phase, limits.maxPortMappings);
}

/**
 * What a DEL with nothing saved hands the cluster network's plugins (detach-unrecorded.ts), by an
 * ADD's rules: the container id within limits.maxContainerIdLength (the service checked only the
 * hard bound, not knowing yet whether a record is saved), the pod when one is named (a DEL may name
 * none: its CNI_ARGS are not trusted), the interface, CNI_ARGS and runtimeConfig.
 */
export function checkUnrecordedDetach(req: AttachRequest, limits: RequestLimits, phase = "del"): void {
  checkContainerId(req.containerId, limits, phase);
  const { namespace, name, uid } = req.pod;
  if (namespace !== "" || name !== "" || uid !== "") checkPod(req.pod, phase);
  checkPrimaryIfName(req.primaryIfName, phase);
  checkCniArgs(req, limits, phase);
  checkRuntimeConfig(req, phase, limits.maxPortMappings);
}

/** The runtime's runtimeConfig, by the capability args' own rules; a bad one is INVALID_REQUEST naming its field. */
function checkRuntimeConfig(req: ResolveRequest, phase: string, maxPortMappings: number): void {
  checkRuntimeCapabilities(
    req.runtimeConfig,
    (field, problem) => {
      throw new DaemonError("INVALID_REQUEST", `${field}: ${problem}`, { phase, source: field });
    },
    { phase, maxPortMappings },
  );
}

/** The version the primary result is asked in ("" or absent: the config's own): one a result converts to. */
function checkCniVersion(version: string | undefined, phase: string): void {
  if (version === undefined || version === "" || isKnownVersion(version)) return;
  throw new DaemonError(
    "INCOMPATIBLE_CNI_VERSION",
    `cniVersion ${quoteInput(version)} is not a CNI version netattachd supports (${ALL_VERSIONS.join(", ")}); ${REFUSED}`,
    { phase, source: "cniVersion" },
  );
}

/** Namespace and name as Kubernetes validates them: they become CNI_ARGS, file names and status keys. */
function checkPod(pod: AttachRequest["pod"], phase: string): void {
  if (pod.namespace === "" || pod.name === "")
    throw new DaemonError(
      "INVALID_REQUEST",
      `pod.namespace and pod.name are required, got ${quoteInput(pod.namespace)} and ${quoteInput(pod.name)} (through the CNI shim: CNI_ARGS K8S_POD_NAMESPACE and K8S_POD_NAME, which Kubernetes runtimes send)`,
      { phase, source: "pod" },
    );
  if (!isDnsLabel(pod.namespace))
    throw new DaemonError(
      "INVALID_REQUEST",
      `pod.namespace ${quoteInput(pod.namespace)} is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`,
      { phase, source: "pod.namespace" },
    );
  if (!isDnsSubdomain(pod.name))
    throw new DaemonError(
      "INVALID_REQUEST",
      `pod.name ${quoteInput(pod.name)} is not a DNS-1123 subdomain (lower case a-z, 0-9, '-' and '.', at most 253)`,
      { phase, source: "pod.name" },
    );
  if (pod.uid.length > MAX_POD_UID_LENGTH)
    throw new DaemonError(
      "INVALID_REQUEST",
      `pod.uid ${quoteInput(pod.uid, 40)} is ${pod.uid.length} characters, longer than ${MAX_POD_UID_LENGTH} (a Kubernetes UID has 36)`,
      { phase, source: "pod.uid" },
    );
  const uidProblem = cniArgPairProblem("K8S_POD_UID", pod.uid);
  if (uidProblem !== undefined)
    throw new DaemonError(
      "INVALID_REQUEST",
      `pod.uid ${quoteInput(pod.uid)} cannot travel in CNI_ARGS: ${uidProblem}`,
      { phase, source: "pod.uid" },
    );
}

/**
 * Every pair must fit the unescaped K=V;K=V format (the spec module's rule), and what every plugin
 * gets — these pairs with the daemon's — within the limit.
 */
function checkCniArgs(req: ResolveRequest, limits: RequestLimits, phase: string): void {
  const pairs = req.cniArgs ?? [];
  let bytes = 0;
  for (const [key, value] of delegateCniArgs(req)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value) + 2;
  if (bytes > limits.maxCniArgsBytes)
    throw limitExceeded(
      `the CNI_ARGS every plugin would get (the request's ${pairs.length} pairs and the daemon's K8S_POD_* pairs) are ${bytes} bytes`,
      "maxCniArgsBytes",
      limits.maxCniArgsBytes,
      { phase, source: "cniArgs" },
    );
  pairs.forEach(([key, value], i) => {
    const problem = cniArgPairProblem(key, value);
    if (problem !== undefined)
      throw new DaemonError("INVALID_REQUEST", `cniArgs[${i}] ${quoteInput(key)}=${quoteInput(value)}: ${problem}`, {
        phase,
        source: "cniArgs",
      });
  });
}
