// Aggregation of repeated Events, as client-go's events broadcaster does it (tools/events):
// the first occurrence of a key is created; the second within the window turns it into a
// series (count 2) with one PATCH; later ones only count locally. The counts are written when
// the series ends (nothing for `finishMs`) and, for long series, every `refreshMs`. A pod whose
// ADD fails over and over thus costs two writes, then one per window, not one per retry.
import type { PodEventSpec } from "./pod-event.js";

export interface SeriesEntry {
  readonly spec: PodEventSpec;
  /** Name of the Event once created. */
  name?: string;
  count: number;
  /** The count the API server has. */
  written: number;
  lastObserved: Date;
  lastWritten: Date;
}

export type SeriesWrite = { readonly kind: "create" | "patch"; readonly entry: SeriesEntry };

export interface EventSeriesOptions {
  readonly finishMs: number;
  readonly refreshMs: number;
  /** Keys remembered; beyond it the oldest is forgotten (its next occurrence is a new Event). */
  readonly maxEntries: number;
}

export interface EventSeries {
  /** The write this occurrence needs now, if any. */
  observe(spec: PodEventSpec, now: Date): SeriesWrite | undefined;
  /** Counts to write now (series ended or due a refresh); ended entries are forgotten. */
  due(now: Date): SeriesWrite[];
  size(): number;
}

export function createEventSeries(opts: EventSeriesOptions): EventSeries {
  const entries = new Map<string, SeriesEntry>();
  return {
    observe(spec, now) {
      const entry = entries.get(spec.key);
      if (entry === undefined) {
        if (entries.size >= opts.maxEntries) entries.delete(entries.keys().next().value!);
        const created: SeriesEntry = { spec, count: 1, written: 0, lastObserved: now, lastWritten: now };
        entries.set(spec.key, created);
        return { kind: "create", entry: created };
      }
      entry.count++;
      entry.lastObserved = now;
      return entry.count === 2 ? { kind: "patch", entry } : undefined;
    },
    due(now) {
      const out: SeriesWrite[] = [];
      for (const [key, entry] of entries) {
        const ended = now.getTime() - entry.lastObserved.getTime() >= opts.finishMs;
        const stale =
          entry.count > entry.written && (ended || now.getTime() - entry.lastWritten.getTime() >= opts.refreshMs);
        if (stale && entry.count >= 2) out.push({ kind: "patch", entry });
        if (ended) entries.delete(key);
      }
      return out;
    },
    size: () => entries.size,
  };
}
