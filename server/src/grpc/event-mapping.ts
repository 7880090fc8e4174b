// Pure event ⇄ proto translation for EventService.
import {
  EventKind,
  EventOutcome,
  type AttachmentEvent as PbEvent,
  type WatchEventsRequest,
} from "../../../proto/gen/netattach/v1/event_service.js";
import type { AttachmentEvent, AttachmentEventKind } from "../events/attachment-event.js";
import type { RecordedEvent } from "../events/event-bus.js";
import type { EventFilter } from "../events/event-filter.js";

/** Exhaustive: a kind added to the contract does not compile until it has a wire value. */
const KINDS: Record<AttachmentEventKind, EventKind> = {
  attach: EventKind.EVENT_KIND_ATTACH,
  detach: EventKind.EVENT_KIND_DETACH,
  rollback: EventKind.EVENT_KIND_ROLLBACK,
  "hotplug-attach": EventKind.EVENT_KIND_HOTPLUG_ATTACH,
  "hotplug-detach": EventKind.EVENT_KIND_HOTPLUG_DETACH,
  reconcile: EventKind.EVENT_KIND_RECONCILE,
  orphan: EventKind.EVENT_KIND_ORPHAN,
};

const OUTCOMES: Record<AttachmentEvent["outcome"], EventOutcome> = {
  ok: EventOutcome.EVENT_OUTCOME_OK,
  failed: EventOutcome.EVENT_OUTCOME_FAILED,
  partial: EventOutcome.EVENT_OUTCOME_PARTIAL,
};

export function eventFilterFromProto(req: WatchEventsRequest): EventFilter {
  return { podNamespace: req.podNamespace, podName: req.podName, containerId: req.containerId, network: req.network };
}

export function eventToProto({ sequence, event: e }: RecordedEvent): PbEvent {
  return {
    sequence,
    kind: KINDS[e.kind],
    outcome: OUTCOMES[e.outcome],
    time: e.time,
    containerId: e.containerId,
    ...(e.pod ? { pod: { ...e.pod } } : {}),
    network: e.network ?? "",
    interface: e.ifName ?? "",
    plugin: e.plugin ?? "",
    phase: e.phase ?? "",
    reason: e.reason ?? "",
    message: e.message ?? "",
    ...(e.durationMs !== undefined ? { duration: durationFromMs(e.durationMs) } : {}),
    interfaces: (e.interfaces ?? []).map((i) => ({ network: i.network, interface: i.ifName, ips: [...i.ips] })),
  };
}

function durationFromMs(ms: number): { seconds: number; nanos: number } {
  const whole = Math.max(0, ms);
  const seconds = Math.floor(whole / 1000);
  return { seconds, nanos: Math.round((whole - seconds * 1000) * 1e6) };
}
