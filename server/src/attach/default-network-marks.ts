// Which saved delegates came from the daemon's defaultNetworks (the `fromDefaultNetworks` marker),
// for a plan saved by a netattachd older than the marker. Such a plan marks nothing, so an annotation
// edit would take those networks off (selection-match.ts). A plan says it is marked
// (`defaultNetworksMarked`, or a marker on any delegate); an unmarked one is inferred here, erring
// on keeping a network: a delegate wrongly kept is still removed by DetachNetwork or the sandbox's
// DEL, one wrongly removed cuts the pod off a network the platform gives every pod.
//   1. What the record itself says. The resolver puts defaultNetworks right after the cluster
//      network, before the pod's selections (hot-plugs come last), and looks a pod's selection up
//      only among definitions: a delegate whose config came from a conf file (the conf dir or an
//      absolute path) is the cluster network's or a defaultNetworks entry's, never a selection's.
//   2. Else the daemon's defaultNetworks as configured now (the record does not keep the list): in
//      that leading run, a delegate of a network an entry names takes that entry, once per entry
//      (a pod that also selected that network keeps its own delegate removable). Pods in
//      systemNamespaces got none. An entry removed from the config since is not recognised.
// Pure; callers save the marked plan with their next write (a hot-plug), so it is inferred once.
import type { SelectionConfig } from "../resolve/index.js";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import { isNetwork } from "./network-ref.js";

/** The daemon settings that decide which networks every pod gets. */
export type DefaultNetworksConfig = Pick<SelectionConfig, "defaultNetworks" | "defaultNamespace" | "systemNamespaces">;

export interface MarkedPlan {
  readonly plan: AttachmentPlan;
  /** Delegates taken as from defaultNetworks by inference (none for a plan that says). */
  readonly inferred: readonly PlannedDelegate[];
}

export function markDefaultNetworks(plan: AttachmentPlan, config: DefaultNetworksConfig | undefined): MarkedPlan {
  if (plan.defaultNetworksMarked === true) return { plan, inferred: [] };
  if (plan.delegates.some((d) => d.fromDefaultNetworks === true))
    return { plan: { ...plan, defaultNetworksMarked: true }, inferred: [] };
  const entries =
    config === undefined || config.systemNamespaces.includes(plan.pod.namespace)
      ? []
      : config.defaultNetworks.flatMap((v) => entryRef(v.trim(), config.defaultNamespace));
  const taken = new Set<number>();
  const inferred: PlannedDelegate[] = [];
  let leading = true;
  const delegates = plan.delegates.map((d) => {
    if (d.isDefault || !leading) return d;
    const entry = entries.findIndex((ref, i) => !taken.has(i) && isNetwork(d, ref));
    if (d.origin.kind !== "conf-file" && entry < 0) {
      leading = false;
      return d;
    }
    if (entry >= 0) taken.add(entry);
    const marked: PlannedDelegate = { ...d, fromDefaultNetworks: true };
    inferred.push(marked);
    return marked;
  });
  return { plan: { ...plan, delegates, defaultNetworksMarked: true }, inferred };
}

/** The definition a defaultNetworks entry names (resolve-configured-network.ts); none for a path, which is a conf file. */
function entryRef(value: string, defaultNamespace: string): Array<{ namespace: string; name: string }> {
  if (value === "" || value.startsWith("/")) return [];
  const parts = value.split("/");
  if (parts.length === 1) return [{ namespace: defaultNamespace, name: value }];
  return parts.length === 2 ? [{ namespace: parts[0]!, name: parts[1]! }] : [];
}
