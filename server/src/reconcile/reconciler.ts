// The reconciler: start-up cleanup, then a GC pass every interval (the first at once) that detaches
// attachments whose sandbox is gone, retries orphans and runs CNI GC (AttachmentService.gc without
// a valid set). Passes never overlap and never wait behind ADD/DEL calls; stop() ends the one running.
import type { Logger } from "pino";
import type { AttachmentService, GcResult } from "../attach/index.js";
import type { Lifecycle } from "../daemon.js";

export interface ReconcilerDeps {
  readonly gc: AttachmentService["gc"];
  /** Runs before the first call is served, whether passes are enabled or not. */
  readonly startup: () => Promise<void>;
  readonly enabled: boolean;
  readonly intervalMs: number;
  readonly log: Logger;
  /** Called once passes have stopped (closes the runtime connection). */
  readonly onStop?: () => void;
}

export function createReconciler(deps: ReconcilerDeps): Lifecycle {
  const log = deps.log.child({ component: "reconcile" });
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const schedule = (delayMs: number): void => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule(deps.intervalMs);
      });
    }, delayMs);
  };
  async function pass(): Promise<void> {
    try {
      report(log, await deps.gc({ background: true }, { signal: stopping.signal, log }));
    } catch (err) {
      if (!stopping.signal.aborted) log.error({ err }, "reconcile pass failed");
    }
  }
  return {
    name: "reconciler",
    async start() {
      await deps.startup();
      if (deps.enabled) schedule(0);
    },
    async stop() {
      stopping.abort(new Error("netattachd is stopping"));
      clearTimeout(timer);
      await running;
      deps.onStop?.();
    },
  };
}

/** One line per thing done; a quiet pass is a debug line. */
function report(log: Logger, r: GcResult): void {
  for (const item of r.items) {
    const fields = {
      containerId: item.containerId,
      pod: item.pod !== undefined ? `${item.pod.namespace}/${item.pod.name}` : undefined,
      reason: item.reason,
      outcome: item.outcome,
      interfaces: item.interfaces.map((i) => `${i.network}@${i.ifName}`),
    };
    log[item.outcome === "failed" || item.outcome === "orphaned" ? "warn" : "info"](
      fields,
      item.message ?? `reconcile: ${item.reason}, ${item.outcome}`,
    );
  }
  for (const e of r.errors) log.warn({ error: e }, "reconcile pass error");
  log.debug(
    { sources: r.sources, notes: r.notes, items: r.items.length, errors: r.errors.length },
    "reconcile pass done",
  );
}
