// Calls in flight per operation, and CHECK's duration and errors (CHECK is no event: nothing
// changes on the node). Wraps the service the gRPC edge calls; the rest comes from events.
import { Gauge, type Registry } from "prom-client";
import type { AttachmentService } from "../attach/index.js";
import { describeError } from "../errors/describe-error.js";
import type { CallObservations } from "./event-metrics.js";

const OPERATIONS = {
  attach: "attach",
  detach: "detach",
  check: "check",
  gc: "gc",
  hotplugAttach: "hotplug-attach",
  hotplugDetach: "hotplug-detach",
} as const;

export function instrumentService(
  registry: Registry,
  calls: CallObservations,
): (service: AttachmentService) => AttachmentService {
  const inFlight = new Gauge({
    name: "netattach_calls_in_flight",
    help: "Calls running now (lock waits included).",
    labelNames: ["operation"],
    registers: [registry],
  });
  for (const operation of Object.values(OPERATIONS)) inFlight.set({ operation }, 0);

  function tracked<A extends unknown[], R>(
    operation: string,
    fn: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> {
    return async (...args) => {
      inFlight.inc({ operation });
      try {
        return await fn(...args);
      } finally {
        inFlight.dec({ operation });
      }
    };
  }

  return (service) => ({
    ...service,
    attach: tracked(OPERATIONS.attach, service.attach),
    detach: tracked(OPERATIONS.detach, service.detach),
    gc: tracked(OPERATIONS.gc, service.gc),
    attachNetwork: tracked(OPERATIONS.hotplugAttach, service.attachNetwork),
    detachNetwork: tracked(OPERATIONS.hotplugDetach, service.detachNetwork),
    applyNetworkChanges: tracked(OPERATIONS.hotplugAttach, service.applyNetworkChanges),
    check: tracked(OPERATIONS.check, async (req, ctx) => {
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      try {
        await service.check(req, ctx);
      } catch (err) {
        const reason = describeError(err).code;
        calls.observeCall(OPERATIONS.check, "failed", seconds(), []);
        calls.countError(OPERATIONS.check, reason);
        throw err;
      }
      calls.observeCall(OPERATIONS.check, "ok", seconds(), []);
    }),
  });
}
