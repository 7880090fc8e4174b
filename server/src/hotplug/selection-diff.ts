// What changed between two values of a pod's networks annotation, by each element's identity
// (namespace/name@interface): elements gone are detached, elements new are attached, in order.
// Options of an element that kept its identity (ips, mac...) are not a change. Pure.
import type { NetworkSelection } from "../resolve/index.js";

export interface SelectionDiff {
  readonly removed: readonly NetworkSelection[];
  readonly added: readonly NetworkSelection[];
}

export function selectionIdentity(s: NetworkSelection): string {
  return `${s.namespace ?? ""}/${s.name}@${s.interface ?? ""}`;
}

export function diffSelections(before: readonly NetworkSelection[], after: readonly NetworkSelection[]): SelectionDiff {
  const left = [...before];
  const added: NetworkSelection[] = [];
  for (const s of after) {
    const at = left.findIndex((b) => selectionIdentity(b) === selectionIdentity(s));
    if (at >= 0) left.splice(at, 1);
    else added.push(s);
  }
  return { removed: left, added };
}
