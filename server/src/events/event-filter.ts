// Which events a reader asked for: pod, container, network; an absent or empty field matches all.
import type { AttachmentEvent } from "./attachment-event.js";

export interface EventFilter {
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly containerId?: string;
  /** The event's own network, or one of its interfaces (added by an ADD, held by what a DEL removed). */
  readonly network?: string;
}

export function matchesEvent(filter: EventFilter, event: AttachmentEvent): boolean {
  const want = (value: string | undefined): value is string => value !== undefined && value !== "";
  if (want(filter.containerId) && event.containerId !== filter.containerId) return false;
  if (want(filter.podNamespace) && event.pod?.namespace !== filter.podNamespace) return false;
  if (want(filter.podName) && event.pod?.name !== filter.podName) return false;
  if (
    want(filter.network) &&
    event.network !== filter.network &&
    !(event.interfaces ?? []).some((i) => i.network === filter.network)
  )
    return false;
  return true;
}
