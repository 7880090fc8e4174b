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

/**
 * The record format this netattachd writes, and the newest it reads. The compatibility rule
 * (docs/config.md, `stateDir`): a record's `minReaderVersion` (absent = its `version`) is the oldest
 * format whose readers may read and rewrite it as their own; a reader of RECORD_VERSION takes any
 * record with minReaderVersion ≤ RECORD_VERSION, keeps its `version`, `minReaderVersion` and every
 * field it does not know on each rewrite, and refuses (STATE_TOO_NEW) one that asks for more.
 */
export const RECORD_VERSION = 1;

export interface AttachmentRecord {
  /** The format it was written in: RECORD_VERSION for new records; kept as read on a rewrite. */
  readonly version: number;
  /** The oldest format whose readers may handle it as their own; absent = `version`. */
  readonly minReaderVersion?: number;
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
  | { readonly state: "corrupt"; readonly path: string; readonly problem: string; readonly cause?: unknown }
  /** Whole, but written by a newer netattachd in a format this one does not read: kept, never touched. */
  | { readonly state: "too-new"; readonly path: string; readonly version: number; readonly minReaderVersion: number };

/** A record that is there but cannot be used: corrupt, or too new for this netattachd. */
export type UnreadableRead = Extract<StoreRead, { state: "corrupt" | "too-new" }>;

/** A container's unreadable record, as a listing found it. */
export interface UnreadableEntry {
  readonly containerId: string;
  readonly read: UnreadableRead;
}

export function isUnreadable(read: StoreRead): read is UnreadableRead {
  return read.state === "corrupt" || read.state === "too-new";
}

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

/**
 * What is wrong with an unreadable record, after its path: "is corrupt (not valid JSON)", or, for one
 * a newer netattachd wrote, its version, what this one reads and that the way out is to roll forward.
 */
export function describeUnreadable(read: UnreadableRead): string {
  if (read.state === "corrupt") return `is corrupt (${read.problem})`;
  const from = read.minReaderVersion !== read.version ? `, readable from version ${read.minReaderVersion}` : "";
  return `was written by a newer netattachd (record version ${read.version}${from}; this netattachd reads version ${RECORD_VERSION}): roll netattachd forward to a release that reads it`;
}

/**
 * The error for a call that meets an unreadable record: STATE_CORRUPT, with `consequence` saying what
 * cannot be done now; STATE_TOO_NEW for a newer netattachd's record, which is left as it is until a
 * roll-forward (then the runtime's retried call works: its record is intact).
 */
export function unreadableRecordError(read: UnreadableRead, containerId: string, consequence: string): DaemonError {
  const what = `saved attachment ${read.path} of container ${containerId} ${describeUnreadable(read)}`;
  if (read.state === "too-new") {
    return new DaemonError("STATE_TOO_NEW", `${what}; nothing was done and the record is kept as it is`, {
      phase: "store",
      source: read.path,
    });
  }
  return new DaemonError(
    "STATE_CORRUPT",
    `${what}; ${consequence}`,
    { phase: "store", source: read.path },
    { cause: read.cause },
  );
}
