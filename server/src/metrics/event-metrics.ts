// Metrics derived from attachment events, so every kind the service emits (attach, detach,
// hot-plug, rollback, reconcile, orphan) is counted without changes here: call durations (once
// per call, and once per network the call involved), errors by catalog reason, rollbacks,
// orphans, and the reconciler's passes and removals.
import { Counter, Histogram, type Registry } from "prom-client";
import type { AttachmentEvent, EventSink } from "../events/attachment-event.js";
import { CALL_BUCKETS } from "./buckets.js";
import type { LabelCap } from "./label-cap.js";

/**
 * The label of a failed call whose network never resolved: a name refused while resolving (not
 * found, not allowed, a bad annotation) is the caller's word, not a network, and made-up names
 * would use up the label cap that real networks need.
 */
export const UNRESOLVED_NETWORK_LABEL = "unknown";

/** Kinds that are calls with a duration worth a histogram. */
const TIMED = new Set<AttachmentEvent["kind"]>(["attach", "detach", "hotplug-attach", "hotplug-detach"]);

export interface CallObservations {
  /** One finished call: `networks` are those it involved (empty = not tied to a network). */
  observeCall(operation: string, result: string, seconds: number, networks: readonly string[]): void;
  countError(operation: string, reason: string): void;
}

export function createCallObservations(registry: Registry, cap: LabelCap): CallObservations {
  const calls = new Histogram({
    name: "netattach_operation_duration_seconds",
    help: "Duration of attach/detach/check/hot-plug calls, lock waits included, once per call.",
    labelNames: ["operation", "result"],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const perNetwork = new Histogram({
    name: "netattach_network_operation_duration_seconds",
    help: "Duration of calls, once per network the call involved (the networks an ADD attached or a DEL found; the network that failed).",
    labelNames: ["operation", "network", "result"],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: "netattach_errors_total",
    help: "Failed calls by catalog reason (docs/errors.md).",
    labelNames: ["operation", "reason"],
    registers: [registry],
  });
  return {
    observeCall(operation, result, seconds, networks) {
      calls.observe({ operation, result }, seconds);
      for (const network of new Set(networks))
        perNetwork.observe({ operation, network: cap(network), result }, seconds);
    },
    countError: (operation, reason) => errors.inc({ operation, reason }),
  };
}

export function createEventMetrics(registry: Registry, calls: CallObservations, cap: LabelCap): EventSink {
  const rollbacks = new Counter({
    name: "netattach_rollbacks_total",
    help: "ADD rollbacks by outcome (partial: something was left).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const orphans = new Counter({
    name: "netattach_orphan_events_total",
    help: "Delegates whose DEL failed: cleaned up by netattach (ok) or left orphaned (failed, partial).",
    labelNames: ["network", "outcome"],
    registers: [registry],
  });
  const runs = new Counter({
    name: "netattach_reconcile_runs_total",
    help: "Reconciler passes (reconcile events without a container).",
    registers: [registry],
  });
  const removals = new Counter({
    name: "netattach_reconcile_removals_total",
    help: "Sandboxes the reconciler removed, by outcome.",
    labelNames: ["outcome"],
    registers: [registry],
  });

  return {
    emit(e) {
      if (TIMED.has(e.kind) && e.durationMs !== undefined) {
        const networks =
          e.outcome === "ok"
            ? (e.interfaces ?? []).map((i) => i.network).concat(e.network ?? [])
            : e.network
              ? [e.phase === "resolve" ? UNRESOLVED_NETWORK_LABEL : e.network]
              : [];
        calls.observeCall(e.kind, e.outcome, e.durationMs / 1000, networks);
      }
      if (e.outcome === "failed" && e.reason) calls.countError(e.kind, e.reason);
      switch (e.kind) {
        case "rollback":
          rollbacks.inc({ outcome: e.outcome });
          return;
        case "orphan":
          orphans.inc({ network: cap(e.network ?? ""), outcome: e.outcome });
          return;
        case "reconcile":
          if (e.containerId === "") runs.inc();
          else removals.inc({ outcome: e.outcome });
          return;
        default:
          return;
      }
    },
  };
}
