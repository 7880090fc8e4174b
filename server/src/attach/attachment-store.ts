// What is saved per container so DEL, CHECK, GC and List never need a network source.
import type { CniResult } from "../cni/index.js";
import type { AttachmentPlan } from "./types.js";
import { DaemonError } from "../errors/daemon-error.js";

export interface AttachmentRecord {
  readonly version: 1;
  readonly plan: AttachmentPlan;
  /** Results of the delegates whose ADD succeeded, by interface name. */
  readonly results: Readonly<Record<string, CniResult>>;
  /** attaching: ADD in progress or interrupted; attached: ADD finished; detaching: a DEL left delegates behind. */
  readonly phase: "attaching" | "attached" | "detaching";
  /** Identity of the netns at ADD ("dev:ino"), so DEL never enters a namespace that replaced it. */
  readonly netnsId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type StoreRead =
  | { readonly state: "found"; readonly record: AttachmentRecord }
  | { readonly state: "missing" }
  | { readonly state: "corrupt"; readonly path: string; readonly problem: string; readonly cause?: unknown };

export interface AttachmentStore {
  /** Atomic: a reader sees the old record or the new one, never a mix. */
  save(record: AttachmentRecord): Promise<void>;
  load(containerId: string): Promise<StoreRead>;
  list(): Promise<Array<{ readonly containerId: string; readonly read: StoreRead }>>;
  /** Idempotent. */
  remove(containerId: string): Promise<void>;
}

/** STATE_CORRUPT for a saved record that cannot be decoded; `consequence` says what cannot be done now. */
export function corruptRecordError(read: Extract<StoreRead, { state: "corrupt" }>, containerId: string, consequence: string): DaemonError {
  return new DaemonError(
    "STATE_CORRUPT",
    `saved attachment ${read.path} of container ${containerId} is corrupt (${read.problem}); ${consequence}`,
    { phase: "store", source: read.path },
    { cause: read.cause },
  );
}
