// Metrics from the CNI runtime's exec reports and the service's lock and call-slot waits.
import { Histogram, type Registry } from "prom-client";
import type { RuntimeEvent } from "../cni/index.js";
import { CALL_BUCKETS, WAIT_BUCKETS } from "./buckets.js";
import type { LabelCap } from "./label-cap.js";

export type WaitKind = "call-slot" | "container" | "gc-shared" | "gc-exclusive";

export interface RuntimeMetrics {
  onRuntimeEvent(e: RuntimeEvent): void;
  onWait(lock: WaitKind, waitedMs: number): void;
}

export function createRuntimeMetrics(registry: Registry, networkCap: LabelCap, pluginCap: LabelCap): RuntimeMetrics {
  const execs = new Histogram({
    name: "netattach_plugin_exec_duration_seconds",
    help: "Duration of one plugin run (ADD, DEL, CHECK, GC, STATUS, VERSION) by plugin type and network.",
    labelNames: ["command", "plugin", "network", "result"],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const waits = new Histogram({
    name: "netattach_lock_wait_seconds",
    help: "Time a call waited: for its container's lock, for the GC lock (shared: ADD/DEL; exclusive: GC), for a call slot (maxConcurrent).",
    labelNames: ["lock"],
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  return {
    onRuntimeEvent(e) {
      if (e.type !== "exec") return;
      execs.observe(
        {
          command: e.command,
          plugin: pluginCap(e.plugin),
          network: networkCap(e.network),
          result: e.ok ? "ok" : "failed",
        },
        e.durationMs / 1000,
      );
    },
    onWait: (lock, waitedMs) => waits.observe({ lock }, waitedMs / 1000),
  };
}
