// Which attachment events become a Kubernetes Event on the pod, and what it says. A successful
// ADD (or hot-plug) is ONE Normal Event listing every interface added — Multus writes one per
// interface — and a failure is one Warning whose reason is the catalog code (docs/errors.md) and
// whose note is the error message. Rollbacks and reconciler passes stay in the event stream.
import type { PodRef } from "../attach/index.js";
import { boundText } from "../errors/bounded-text.js";
import type { AttachmentEvent, AttachmentEventKind } from "../events/attachment-event.js";

/** kube-apiserver's bound on an Event's note (bytes). */
const NOTE_BYTES = 1024;

export interface PodEventSpec {
  readonly pod: PodRef;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly action: string;
  readonly note: string;
  readonly time: Date;
  /** Specs with one key aggregate into one Event with a count (same pod, type, action, reason; and note for Normal ones). */
  readonly key: string;
}

const ACTIONS: Partial<Record<AttachmentEventKind, string>> = {
  attach: "AttachNetworks",
  detach: "DetachNetworks",
  "hotplug-attach": "AttachNetwork",
  "hotplug-detach": "DetachNetwork",
  orphan: "DetachNetworks",
};

export function podEventFrom(e: AttachmentEvent): PodEventSpec | undefined {
  const action = ACTIONS[e.kind];
  if (action === undefined || !e.pod?.namespace || !e.pod.name) return undefined;
  const spec = (type: PodEventSpec["type"], reason: string, note: string): PodEventSpec => {
    const bounded = boundText(note, NOTE_BYTES);
    const identity = [e.pod!.namespace, e.pod!.name, e.pod!.uid, type, action, reason];
    return {
      pod: e.pod!,
      type,
      reason,
      action,
      note: bounded,
      time: e.time,
      key: JSON.stringify(type === "Normal" ? [...identity, bounded] : identity),
    };
  };
  if (e.outcome !== "ok") return spec("Warning", e.reason ?? "INTERNAL", e.message ?? `${action} failed`);
  switch (e.kind) {
    case "attach":
    case "hotplug-attach":
      return spec(
        "Normal",
        "AddedInterfaces",
        `added ${(e.interfaces ?? []).map((i) => `${i.ifName} [${i.ips.join(", ")}] from ${i.network}`).join("; ")}`,
      );
    case "hotplug-detach":
      return spec(
        "Normal",
        "RemovedInterface",
        `removed ${e.ifName ?? "an interface"}${e.network ? ` of ${e.network}` : ""}`,
      );
    default:
      return undefined; // a DEL that worked is not news on a pod going away
  }
}
