// Gauges read at scrape time: saved attachments by phase (from the store: attaching, attached,
// detaching, and whatever phases the store adds, such as orphaned; unreadable records as
// "corrupt", or "too-new" when a newer netattachd wrote them), and each Kubernetes informer's sync state and watch restarts.
import { Counter, Gauge, type Registry } from "prom-client";

/** The slice of the attachment store the gauge reads. */
export interface AttachmentPhases {
  list(): Promise<
    ReadonlyArray<{ readonly read: { readonly state: string; readonly record?: { readonly phase: string } } }>
  >;
}

export interface InformerStats {
  /** e.g. "pods", "network-attachment-definitions". */
  readonly resource: string;
  /** "" = all namespaces. */
  readonly namespace: string;
  readonly synced: boolean;
  /** Watches that ended and were started again: cleanly (server timeout, 410 relist) or after a failure. */
  readonly watchRestarts: { readonly closed: number; readonly failed: number };
}

export function registerStateMetrics(
  registry: Registry,
  sources: { store?: AttachmentPhases; informers?: () => readonly InformerStats[] },
): void {
  const { store, informers } = sources;
  if (store) {
    new Gauge({
      name: "netattach_attachments",
      help: "Saved attachments (sandboxes) by phase, read from the state dir at scrape time.",
      labelNames: ["phase"],
      registers: [registry],
      async collect() {
        const counts = new Map<string, number>([["attached", 0]]);
        for (const { read } of await store.list()) {
          const phase = read.state === "found" && read.record ? read.record.phase : read.state;
          counts.set(phase, (counts.get(phase) ?? 0) + 1);
        }
        this.reset();
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
  }
  if (informers) {
    new Gauge({
      name: "netattach_kube_informer_synced",
      help: "1 while a Kubernetes informer is listed and watching, else 0.",
      labelNames: ["resource", "namespace"],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of informers()) this.set({ resource: i.resource, namespace: i.namespace }, i.synced ? 1 : 0);
      },
    });
    new Counter({
      name: "netattach_kube_watch_restarts_total",
      help: "Informer watches that ended and were started again: closed (server timeout, expired) or failed (API server lost).",
      labelNames: ["resource", "namespace", "cause"],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of informers()) {
          for (const cause of ["closed", "failed"] as const)
            this.inc({ resource: i.resource, namespace: i.namespace, cause }, i.watchRestarts[cause]);
        }
      },
    });
  }
}
