// Serialises operations on one container (CNI: no parallel operations for the same container).
import { Mutex } from "async-mutex";
import { acquireWithSignal, type Release } from "./abortable-acquire.js";

export interface ContainerLock {
  /** Run `fn` alone for `containerId`; waiting stops when `signal` fires. */
  run<T>(containerId: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Containers with a holder or waiters (for tests and metrics). */
  size(): number;
  /** True while a call holds or waits for `containerId`. */
  busy(containerId: string): boolean;
}

export interface ContainerLockOptions {
  /** Timing hook: how long a call waited for its container (metrics). */
  readonly onWait?: (waitedMs: number) => void;
}

export function createContainerLock(opts: ContainerLockOptions = {}): ContainerLock {
  const locks = new Map<string, { mutex: Mutex; users: number }>();
  return {
    async run(containerId, fn, signal) {
      let entry = locks.get(containerId);
      if (entry === undefined) {
        entry = { mutex: new Mutex(), users: 0 };
        locks.set(containerId, entry);
      }
      entry.users++;
      const held = entry;
      let release: Release | undefined;
      try {
        const waitStart = performance.now();
        release = await acquireWithSignal(held.mutex.acquire(), signal, `waiting for container ${containerId}`);
        opts.onWait?.(performance.now() - waitStart);
        return await fn();
      } finally {
        release?.();
        // Drop idle entries so the map does not grow with every container ever seen.
        if (--held.users === 0 && locks.get(containerId) === held) locks.delete(containerId);
      }
    },
    size: () => locks.size,
    busy: (containerId) => locks.has(containerId),
  };
}
