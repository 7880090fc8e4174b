// A saved delegate against a network namespace/name, as DetachNetwork and the annotation's elements
// name one. Pure; its own file so the planner side can use it without the detach path's imports.
import type { PlannedDelegate } from "./attachment-plan.js";

/** Whether a delegate is the network namespace/name (a definition's own name, not its display name). */
export function isNetwork(d: PlannedDelegate, ref: { readonly namespace: string; readonly name: string }): boolean {
  if (d.origin.kind === "network-attachment-definition")
    return d.origin.namespace === ref.namespace && d.origin.name === ref.name;
  return d.network === `${ref.namespace}/${ref.name}`;
}

/** The namespace/name a detach of this delegate can name (none for a network named otherwise). */
export function networkRef(d: PlannedDelegate): { namespace: string; name: string } | undefined {
  if (d.origin.kind === "network-attachment-definition") return { namespace: d.origin.namespace, name: d.origin.name };
  const at = d.network.indexOf("/");
  return at > 0 ? { namespace: d.network.slice(0, at), name: d.network.slice(at + 1) } : undefined;
}
