// The one EventSink the attachment service emits to, fanned out to every reader (WatchEvents
// streams). emit() is synchronous and O(readers): each reader has its own bounded buffer; a
// reader that falls behind loses its OLDEST undelivered events and is told how many before its
// next event, so a stuck reader costs memory up to its bound and never time on the emitting
// call. One buffer per reader, filled in emit order: order per container is kept.
// A small ring keeps the recent events for readers that ask for history.
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent, EventSink } from "./attachment-event.js";
import { matchesEvent, type EventFilter } from "./event-filter.js";

export interface RecordedEvent {
  /** Daemon-wide order of recording, from 1. */
  readonly sequence: number;
  readonly event: AttachmentEvent;
}

/** What a reader receives: an event, or how many events before the next one it lost. */
export type SubscriptionItem = { readonly recorded: RecordedEvent } | { readonly lost: number };

export interface EventSubscription extends AsyncIterable<SubscriptionItem> {
  /** Stops delivery and frees the buffer; the iterator ends. Idempotent. */
  close(): void;
}

export interface EventBusOptions {
  /** Events kept for readers that ask for recent history. */
  readonly historySize: number;
  /** Undelivered events one reader may hold before its oldest are dropped. */
  readonly bufferSize: number;
  /** Readers at once; one more is refused with WATCH_LIMIT. */
  readonly maxWatchers: number;
}

export interface EventBus extends EventSink {
  /** Matching events still in the history, oldest first. */
  recent(filter?: EventFilter): RecordedEvent[];
  /** A reader of the events emitted from now on (after the matching history, with `replayRecent`). */
  subscribe(filter: EventFilter, opts?: { replayRecent?: boolean; signal?: AbortSignal }): EventSubscription;
  subscribers(): number;
  /** Ends every reader cleanly (daemon shutdown); later subscriptions end at once. */
  close(): void;
}

export const DEFAULT_EVENT_BUS_OPTIONS: EventBusOptions = { historySize: 256, bufferSize: 1024, maxWatchers: 16 };

interface Reader {
  readonly filter: EventFilter;
  push(recorded: RecordedEvent): void;
  end(): void;
}

export function createEventBus(opts: EventBusOptions = DEFAULT_EVENT_BUS_OPTIONS): EventBus {
  const history: RecordedEvent[] = [];
  const readers = new Set<Reader>();
  let sequence = 0;
  let closed = false;

  const recent = (filter: EventFilter = {}): RecordedEvent[] => history.filter((r) => matchesEvent(filter, r.event));

  return {
    emit(event) {
      const recorded = { sequence: ++sequence, event };
      history.push(recorded);
      if (history.length > opts.historySize) history.shift();
      for (const reader of readers) {
        try {
          if (matchesEvent(reader.filter, event)) reader.push(recorded);
        } catch {
          // A reader can never break an emit; matchesEvent is pure and push only queues.
        }
      }
    },
    recent,
    subscribe(filter, o = {}) {
      if (!closed && readers.size >= opts.maxWatchers) {
        throw new DaemonError(
          "WATCH_LIMIT",
          `${readers.size} event streams are open, the most events.maxWatchers allows; close one or raise the limit`,
          { limit: "events.maxWatchers" },
        );
      }
      const reader = createReader(filter, opts.bufferSize, () => readers.delete(reader));
      if (o.replayRecent) for (const r of recent(filter)) reader.push(r);
      if (closed) reader.end();
      else readers.add(reader);
      o.signal?.addEventListener("abort", () => reader.close(), { once: true });
      if (o.signal?.aborted) reader.close();
      return reader;
    },
    subscribers: () => readers.size,
    close() {
      closed = true;
      for (const reader of [...readers]) reader.end();
    },
  };
}

/** A bounded queue with one waiting consumer. `end` delivers what is queued, then finishes; `close` finishes at once. */
function createReader(filter: EventFilter, bufferSize: number, detach: () => void): Reader & EventSubscription {
  const queue: RecordedEvent[] = [];
  let lost = 0;
  let ending = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };

  async function* items(): AsyncGenerator<SubscriptionItem> {
    try {
      for (;;) {
        if (closed) return;
        if (lost > 0) {
          const n = lost;
          lost = 0;
          yield { lost: n };
        } else if (queue.length > 0) {
          yield { recorded: queue.shift()! };
        } else if (ending) {
          return;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }
    } finally {
      reader.close();
    }
  }

  const reader: Reader & EventSubscription = {
    filter,
    push(recorded) {
      if (closed || ending) return;
      queue.push(recorded);
      if (queue.length > bufferSize) {
        queue.shift();
        lost++;
      }
      notify();
    },
    end() {
      ending = true;
      detach();
      notify();
    },
    close() {
      if (closed) return;
      closed = true;
      queue.length = 0;
      detach();
      notify();
    },
    [Symbol.asyncIterator]: () => items(),
  };
  return reader;
}
