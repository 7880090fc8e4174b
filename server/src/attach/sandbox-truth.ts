// Which saved sandboxes still exist, as the reconciler asks it once per pass. The daemon's truth
// is the container runtime's own sandbox list plus netns existence (server/src/reconcile/);
// without a runtime to ask, netns existence alone decides.
import type { NetnsGuard } from "../netns/netns-guard.js";
import type { AttachmentRecord } from "./attachment-store.js";
import type { GcReason } from "./contract.js";
import { savedNetnsFound } from "./netns-rules.js";

export type GoneReason = Extract<GcReason, "sandbox-gone" | "netns-gone" | "pod-gone">;

export interface TruthSnapshot {
  /** What decided, for the report ("CRI ListPodSandbox at …", "netns existence"). */
  readonly sources: readonly string[];
  /** Sources that could not be asked this pass, and why. */
  readonly notes: readonly string[];
  /** Why the record's sandbox is gone, or undefined when it exists or nobody can tell. */
  gone(record: AttachmentRecord, signal: AbortSignal): Promise<GoneReason | undefined>;
}

export interface SandboxTruth {
  snapshot(signal: AbortSignal): Promise<TruthSnapshot>;
}

/**
 * Gone when no path leads to the saved namespace any more: its path removed or naming another
 * namespace, and no process left inside it (where DEL looks: pinForDelete). A namespace whose
 * path was deleted by hand while the pod's processes still run in it is not gone.
 */
export function netnsGone(guard: NetnsGuard, record: AttachmentRecord): boolean {
  return !savedNetnsFound(guard, record);
}

export function netnsTruth(guard: NetnsGuard): SandboxTruth {
  const snapshot: TruthSnapshot = {
    sources: ["netns existence"],
    notes: [],
    gone: async (record) => (netnsGone(guard, record) ? "netns-gone" : undefined),
  };
  return { snapshot: async () => snapshot };
}
