// What is saved per container so DEL, CHECK, GC and List never need a network source.
import type { CniResult } from "../cni/index.js";
import type { AttachmentPlan } from "./attachment-plan.js";
import { DaemonError } from "../errors/daemon-error.js";

/**
 * attaching: ADD in progress or interrupted; attached: ADD finished; detaching: a DEL started
 * (saved before its first plugin) and has not finished — running, cancelled, out of time, or cut
 * off by the daemon's death — so some addresses may be released already; orphaned: delegates DEL could not
 * release, kept in the orphan store for the reconciler (the sandbox itself is gone).
 */
export type AttachmentPhase = "attaching" | "attached" | "detaching" | "orphaned";

/** One step of a delegate's teardown that did not simply work, for people reading ListAttachments. */
export interface HistoryEntry {
  readonly time: string;
  /**
   * del-failed: the plugin's DEL failed; cleaned: netattach released the interface and addresses
   * itself; orphaned: something could not be released; released: a later retry released it.
   */
  readonly event: "del-failed" | "cleaned" | "orphaned" | "released";
  readonly network: string;
  readonly ifName: string;
  readonly plugin?: string;
  /** Catalog reason of the failure. */
  readonly reason?: string;
  readonly message: string;
}

export interface AttachmentRecord {
  readonly version: 1;
  readonly plan: AttachmentPlan;
  /** Results of the delegates whose ADD succeeded, by interface name. */
  readonly results: Readonly<Record<string, CniResult>>;
  readonly phase: AttachmentPhase;
  /** Identity of the netns at ADD ("dev:ino"), so DEL never enters a namespace that replaced it. */
  readonly netnsId?: string;
  /** Why it is detaching or orphaned: what could not be released, and why. */
  readonly cause?: string;
  /** Teardown steps that failed or needed netattach's own cleanup (the last MAX_HISTORY). */
  readonly history?: readonly HistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const MAX_HISTORY = 20;

export type StoreRead =
  | { readonly state: "found"; readonly record: AttachmentRecord }
  | { readonly state: "missing" }
  | { readonly state: "corrupt"; readonly path: string; readonly problem: string; readonly cause?: unknown };

export interface ListOptions {
  /**
   * For a caller that acts on what is absent (CNI GC DELs every cached attachment no record names):
   * records the store lost (its directory removed while the daemon ran) are STATE_IO, not absent.
   * Others (ADD's namespace checks, listings, start-up) are told what is there: nothing.
   */
  readonly absentIsUnknown?: boolean;
}

export interface AttachmentStore {
  /** Atomic: a reader sees the old record or the new one, never a mix. A removed directory is made again. */
  save(record: AttachmentRecord): Promise<void>;
  load(containerId: string): Promise<StoreRead>;
  list(opts?: ListOptions): Promise<Array<{ readonly containerId: string; readonly read: StoreRead }>>;
  /** Idempotent. */
  remove(containerId: string): Promise<void>;
}

/** STATE_CORRUPT for a saved record that cannot be decoded; `consequence` says what cannot be done now. */
export function corruptRecordError(
  read: Extract<StoreRead, { state: "corrupt" }>,
  containerId: string,
  consequence: string,
): DaemonError {
  return new DaemonError(
    "STATE_CORRUPT",
    `saved attachment ${read.path} of container ${containerId} is corrupt (${read.problem}); ${consequence}`,
    { phase: "store", source: read.path },
    { cause: read.cause },
  );
}
