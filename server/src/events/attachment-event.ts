// What the node did, as events: every ADD, DEL, rollback, hot-plug, reconcile pass and orphan,
// with who, what, how it ended and how long it took. The attachment service emits them to one
// sink; the event stream (WatchEvents), metrics and Kubernetes Events are built on that sink.

export type AttachmentEventKind =
  /** A full ADD of a sandbox (AttachNetworks / the shim's ADD). */
  | "attach"
  /** A full DEL of a sandbox. */
  | "detach"
  /** Delegates deleted because an ADD failed. */
  | "rollback"
  /** One network added to, or removed from, a running sandbox. */
  | "hotplug-attach"
  | "hotplug-detach"
  /** The reconciler removed (or would remove) a sandbox that no longer exists. */
  | "reconcile"
  /** A delegate that could not be deleted was cleaned up by netattach itself, or left orphaned. */
  | "orphan";

export interface AttachmentEvent {
  readonly kind: AttachmentEventKind;
  /** ok: done; failed: refused or failed (reason set); partial: done, but something was left (see message). */
  readonly outcome: "ok" | "failed" | "partial";
  readonly time: Date;
  readonly containerId: string;
  readonly pod?: { readonly namespace: string; readonly name: string; readonly uid: string };
  /** Set for events about one network (hot-plug, orphan, a failed delegate). */
  readonly network?: string;
  readonly ifName?: string;
  readonly plugin?: string;
  readonly phase?: string;
  /** Catalog reason when outcome is not ok. */
  readonly reason?: string;
  readonly message?: string;
  readonly durationMs?: number;
  /**
   * Interfaces added (attach, hot-plug attach), or those of the saved attachment a DEL found (detach):
   * network, interface and addresses.
   */
  readonly interfaces?: ReadonlyArray<{
    readonly network: string;
    readonly ifName: string;
    readonly ips: readonly string[];
  }>;
}

/** Where the service sends events. Must never block or throw: a slow consumer cannot slow an ADD. */
export interface EventSink {
  emit(event: AttachmentEvent): void;
}

export const NO_EVENTS: EventSink = { emit: () => undefined };
