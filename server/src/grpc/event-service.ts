// EventService adapter: WatchEvents over the event bus. The stream ends when the caller cancels
// (its signal closes the subscription) or the bus closes at shutdown (what is queued is sent
// first). nice-grpc waits for the transport to drain before pulling the next event, so a reader
// that does not read stops the pull, and the bus drops that reader's oldest events instead.
import type { EventServiceImplementation } from "../../../proto/gen/netattach/v1/event_service.js";
import type { EventBus } from "../events/event-bus.js";
import type { LogContext } from "./attachment-service.js";
import { eventFilterFromProto, eventToProto } from "./event-mapping.js";

export function createEventServiceImpl(bus: EventBus): EventServiceImplementation<LogContext> {
  return {
    async *watchEvents(req, ctx) {
      const filter = eventFilterFromProto(req);
      if (req.recentOnly) {
        for (const recorded of bus.recent(filter)) yield { event: eventToProto(recorded) };
        return;
      }
      const subscription = bus.subscribe(filter, { replayRecent: req.replayRecent, signal: ctx.signal });
      try {
        for await (const item of subscription)
          yield "lost" in item ? { lost: { count: item.lost } } : { event: eventToProto(item.recorded) };
      } finally {
        subscription.close();
      }
    },
  };
}
