// What a running pod's selections (its networks annotation) change, measured against what is
// attached, not against an earlier value: each element is matched to an attached delegate of its
// network: one naming an interface to that interface, one naming none to a delegate of its network
// no explicit element claims, first in plan order (so `anet` and `anet@net1` are the same when net1
// is what anet got). What no element matches is detached by its exact interface; an element nothing
// matches is attached. Options of a matched element (ips, mac...) are no change. The cluster network
// and the daemon's defaultNetworks are not the pod's selections: never matched, never detached. Pure.
import type { NetworkSelection } from "../resolve/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { isNetwork } from "./network-ref.js";

export interface SelectionChanges {
  /** Delegates no element asks for any more, in plan order. */
  readonly detach: readonly PlannedDelegate[];
  /** Elements no delegate answers, in order, with their 1-based position among the selections. */
  readonly attach: ReadonlyArray<{ readonly selection: NetworkSelection; readonly index: number }>;
}

export function matchSelections(
  delegates: readonly PlannedDelegate[],
  selections: readonly NetworkSelection[],
  podNamespace: string,
): SelectionChanges {
  const free = delegates.filter((d) => !d.isDefault && d.fromDefaultNetworks !== true);
  const matched = new Set<number>();
  const claim = (index: number, fits: (d: PlannedDelegate) => boolean): void => {
    const s = selections[index]!;
    const ref = { namespace: s.namespace ?? podNamespace, name: s.name };
    const at = free.findIndex((d) => isNetwork(d, ref) && fits(d));
    if (at < 0) return;
    free.splice(at, 1);
    matched.add(index);
  };
  // Explicit interfaces first, so a positional element never takes the delegate one names.
  selections.forEach((s, i) => {
    if (named(s)) claim(i, (d) => d.ifName === s.interface);
  });
  selections.forEach((s, i) => {
    if (!named(s)) claim(i, () => true);
  });
  return {
    detach: free,
    attach: selections.flatMap((selection, i) => (matched.has(i) ? [] : [{ selection, index: i + 1 }])),
  };
}

function named(s: NetworkSelection): boolean {
  return s.interface !== undefined && s.interface !== "";
}
