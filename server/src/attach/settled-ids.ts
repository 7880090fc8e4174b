// Container ids this daemon settled a moment ago: detached, rolled back, or refused. A DEL for
// one of them that finds no saved attachment is one the runtime sends anyway (containerd DELs
// twice per pod; every failed ADD is followed by a DEL), so it skips the release a DEL without a
// record otherwise runs (detach-unrecorded.ts): 2+ plugin execs a pod for nothing. In memory,
// bounded in size and age: a restarted daemon, or an entry evicted early, costs one idempotent
// extra DEL of the cluster network, never a leak.

export interface SettledIds {
  add(containerId: string): void;
  /** Whether `containerId` was settled within the age bound (and not evicted for the size bound). */
  has(containerId: string): boolean;
}

/** A node's pod churn over the age bound stays far below; containerd's second DEL comes within seconds. */
const SETTLED_IDS_MAX = 4096;
/** The kubelet's retries of a failed sandbox's StopPodSandbox come within minutes. */
const SETTLED_IDS_MAX_AGE_MS = 15 * 60_000;

export interface SettledIdsOptions {
  readonly max?: number;
  readonly maxAgeMs?: number;
  /** Monotonic milliseconds (a wall-clock step must not keep or drop entries). */
  readonly monotonic?: () => number;
}

export function createSettledIds(o: SettledIdsOptions = {}): SettledIds {
  const max = o.max ?? SETTLED_IDS_MAX;
  const maxAgeMs = o.maxAgeMs ?? SETTLED_IDS_MAX_AGE_MS;
  const monotonic = o.monotonic ?? (() => performance.now());
  // Insertion order is age order: re-adding moves an id to the end.
  const at = new Map<string, number>();
  const expired = (t: number, now: number): boolean => now - t > maxAgeMs;
  return {
    add(containerId) {
      const now = monotonic();
      at.delete(containerId);
      at.set(containerId, now);
      for (const [id, t] of at) {
        if (at.size <= max && !expired(t, now)) break;
        at.delete(id);
      }
    },
    has(containerId) {
      const t = at.get(containerId);
      if (t === undefined) return false;
      if (!expired(t, monotonic())) return true;
      at.delete(containerId);
      return false;
    },
  };
}
