// CNI_ARGS ("K=V;K2=V2"): the pod identity the runtime sends, and everything else as is.
// Split tolerantly on the first "=" (as Multus and ocicni do); values may contain "=".

export interface ParsedCniArgs {
  readonly pod: { namespace: string; name: string; uid: string };
  /** Every pair that is not K8S_POD_NAMESPACE/NAME/UID, in the order sent. */
  readonly rest: { key: string; value: string }[];
}

const POD_KEYS = { K8S_POD_NAMESPACE: "namespace", K8S_POD_NAME: "name", K8S_POD_UID: "uid" } as const;

export function parseCniArgs(raw: string): ParsedCniArgs {
  const pod = { namespace: "", name: "", uid: "" };
  const rest: { key: string; value: string }[] = [];
  for (const pair of raw.split(";")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    // Own keys only: "toString" or "__proto__" must not find Object.prototype's and vanish.
    const podField = Object.hasOwn(POD_KEYS, key) ? POD_KEYS[key as keyof typeof POD_KEYS] : undefined;
    if (podField !== undefined) pod[podField] = value;
    else rest.push({ key, value });
  }
  return { pod, rest };
}
