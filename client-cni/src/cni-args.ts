// CNI_ARGS ("K=V;K2=V2", the spec module's parser): the pod identity the runtime sends, and
// everything else as is.
import { CniError, parseCniArgs as parsePairs } from "../../server/src/cni/spec/index.js";
import { ShimError } from "./shim-error.js";

export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
}

export interface ParsedCniArgs {
  readonly pod: PodIdentity;
  /** Every pair that is not K8S_POD_NAMESPACE/NAME/UID, in the order sent. */
  readonly rest: { key: string; value: string }[];
}

const POD_KEYS = { K8S_POD_NAMESPACE: "namespace", K8S_POD_NAME: "name", K8S_POD_UID: "uid" } as const;

/** Throws code 4 (invalid environment) naming CNI_ARGS when a pair is malformed. */
export function parseCniArgs(raw: string): ParsedCniArgs {
  const pod: PodIdentity = { namespace: "", name: "", uid: "" };
  const rest: { key: string; value: string }[] = [];
  for (const [key, value] of pairsOf(raw)) {
    if (Object.hasOwn(POD_KEYS, key)) pod[POD_KEYS[key as keyof typeof POD_KEYS]] = value;
    else rest.push({ key, value });
  }
  return { pod, rest };
}

/** CNI_ARGS for a DEL, which must never fail on its inputs: no pod and no pairs when CNI_ARGS is malformed. */
export function cniArgsForDelete(raw: string): ParsedCniArgs {
  try {
    return parseCniArgs(raw);
  } catch {
    return { pod: { namespace: "", name: "", uid: "" }, rest: [] };
  }
}

function pairsOf(raw: string): Array<[string, string]> {
  try {
    return parsePairs(raw);
  } catch (err) {
    if (err instanceof CniError) throw new ShimError(err.code, `CNI_ARGS: ${err.msg}`, "", { cause: err });
    throw err;
  }
}
