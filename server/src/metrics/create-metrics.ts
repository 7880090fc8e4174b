// The daemon's Prometheus metrics on one private registry (never prom-client's global one, so
// two daemons in one test process do not share counters): what the node did (from events),
// how plugins and locks took their time (from the runtime and the service's hooks), what is
// running, and what is saved — plus Node's own process metrics.
import { collectDefaultMetrics, Registry } from "prom-client";
import type { AttachmentService } from "../attach/index.js";
import type { EventSink } from "../events/attachment-event.js";
import { createCallObservations, createEventMetrics } from "./event-metrics.js";
import { createLabelCap } from "./label-cap.js";
import { createRuntimeMetrics, type RuntimeMetrics } from "./runtime-metrics.js";
import { instrumentService } from "./service-metrics.js";
import { registerStateMetrics, type AttachmentPhases, type InformerStats } from "./state-metrics.js";

export interface Metrics extends RuntimeMetrics {
  readonly registry: Registry;
  /** Feed it every attachment event. */
  readonly events: EventSink;
  /** The service with calls in flight and CHECK timed. */
  instrument(service: AttachmentService): AttachmentService;
  /** The text a scrape gets, and its Content-Type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsSources {
  readonly store?: AttachmentPhases;
  /** Read at scrape time; absent without a cluster. */
  readonly informers?: () => readonly InformerStats[];
  /** Distinct network (and plugin) names kept as label values before "other" (default 256). */
  readonly maxLabelValues?: number;
}

/**
 * How often the event-loop delay histogram samples (nodejs_eventloop_lag_*). prom-client's default,
 * 10 ms, is a timer that wakes an idle daemon 100 times a second (~0.7% of a core, measured: 14
 * clock ticks in 20 s idle, against 1 with this). A daemon on every node must cost nothing while
 * idle; delays that matter here (a blocked loop stalls every ADD) last far longer than a second's
 * sampling misses. The histogram restarts at each scrape, so scrapes less than a second apart read
 * NaN (no sample yet).
 */
export const EVENT_LOOP_SAMPLE_MS = 1000;

export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const networks = createLabelCap(sources.maxLabelValues ?? 256);
  const plugins = createLabelCap(sources.maxLabelValues ?? 256);
  const calls = createCallObservations(registry, networks);
  const runtime = createRuntimeMetrics(registry, networks, plugins);
  registerStateMetrics(registry, sources);
  return {
    registry,
    events: createEventMetrics(registry, calls, networks),
    ...runtime,
    instrument: instrumentService(registry, calls),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
