// The saved plan of one sandbox's attachment: every delegate with the exact config its ADD ran
// with, so a DEL needs no source lookup (the attachment store persists it as is).
import type { JsonObject } from "../cni/index.js";
import type { ConfigOrigin } from "../resolve/index.js";

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** One delegate in the saved plan: everything DEL needs, with no source lookup. */
export interface PlannedDelegate {
  /** `namespace/name` for definitions, the conf name for the cluster network from a file. */
  readonly network: string;
  readonly ifName: string;
  /** True for the cluster (default) network. */
  readonly isDefault: boolean;
  /** Set for the daemon's defaultNetworks: every pod gets them, so the pod's own selections never remove them. */
  readonly fromDefaultNetworks?: true;
  /** The final network config list (raw JSON), after cni-args merge. */
  readonly config: JsonObject;
  readonly capabilityArgs: JsonObject;
  readonly cniArgs: ReadonlyArray<readonly [string, string]>;
  readonly origin: ConfigOrigin;
  /** default-route request for this delegate, if any. */
  readonly defaultRoute?: readonly string[];
}

export interface AttachmentPlan {
  readonly containerId: string;
  readonly netns: string;
  readonly pod: PodRef;
  readonly primaryIfName: string;
  readonly delegates: readonly PlannedDelegate[];
  /** The pod asked for its secondary networks one after another (ADD and DEL), not concurrently. */
  readonly serialNetworks?: true;
  /**
   * Every delegate from defaultNetworks carries fromDefaultNetworks. Absent on plans an older
   * netattachd saved, whose delegates are inferred instead (default-network-marks.ts).
   */
  readonly defaultNetworksMarked?: true;
}
