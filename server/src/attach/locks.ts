// The daemon's locks, with one way of giving up a wait (the caller's signal: a grant that arrives
// after giving up is released at once):
// - the container lock serialises operations on one container (CNI: no parallel operations for
//   the same container);
// - the GC lock: GC is exclusive with ADD/DEL (CNI spec); ADD/DEL share it, GC takes all of it.
//   A waiting GC holds back new ADD/DEL so it cannot starve: waiters are served in arrival order,
//   consecutive shared waiters together. (Hand-rolled: async-mutex's weighted Semaphore scans every
//   weight on each release, which cost milliseconds per call at the weight an "exclusive" needs.)
import { Mutex } from "async-mutex";
import { DaemonError } from "../errors/daemon-error.js";
import { endedByDeadline } from "./call-deadline.js";

export type Release = () => void;

export function abortError(signal: AbortSignal, what: string): DaemonError {
  const timedOut = endedByDeadline(signal);
  return new DaemonError(
    timedOut ? "PLUGIN_TIMEOUT" : "CANCELLED",
    `${timedOut ? "deadline exceeded" : "cancelled"} while ${what}`,
    {},
    { cause: signal.reason },
  );
}

export function acquireWithSignal(
  acquire: Promise<Release>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<Release> {
  if (signal === undefined) return acquire;
  if (signal.aborted) {
    void acquire.then((release) => release());
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<Release>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(abortError(signal, what));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    acquire.then(
      (release) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) return release();
        settled = true;
        resolve(release);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) {
          settled = true;
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
    );
  });
}

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

export interface GcLock {
  shared<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  exclusive<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** `fn` alone, now, when nothing holds or waits for the lock; else undefined without waiting (the periodic pass). */
  exclusiveIfIdle<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

interface Waiter {
  readonly exclusive: boolean;
  readonly grant: (release: Release) => void;
}

export interface GcLockOptions {
  /** Timing hook: how long a caller waited for the lock, shared (ADD/DEL) or exclusive (GC) (metrics). */
  readonly onWait?: (waitedMs: number, mode: "shared" | "exclusive") => void;
}

export function createGcLock(opts: GcLockOptions = {}): GcLock {
  let readers = 0;
  let writer = false;
  const queue: Waiter[] = [];

  const releaser = (exclusive: boolean): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (exclusive) writer = false;
      else readers--;
      dispatch();
    };
  };
  const dispatch = (): void => {
    while (queue.length > 0 && !writer) {
      const head = queue[0]!;
      if (head.exclusive && readers > 0) return;
      queue.shift();
      if (head.exclusive) writer = true;
      else readers++;
      head.grant(releaser(head.exclusive));
    }
  };
  // A waiter that gives up leaves the queue at once: a GC caller gone (its deadline, netattachctl's
  // --timeout) must not go on holding back every ADD/DEL queued behind it.
  const acquire = (exclusive: boolean, signal: AbortSignal | undefined, what: string): Promise<Release> => {
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    const free = queue.length === 0 && !writer && (!exclusive || readers === 0);
    if (free) {
      if (exclusive) writer = true;
      else readers++;
      return Promise.resolve(releaser(exclusive));
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        dispatch();
        reject(abortError(signal!, what));
      };
      const waiter: Waiter = {
        exclusive,
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
    });
  };

  async function run<T>(
    exclusive: boolean,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<T> {
    const waitStart = performance.now();
    const release = await acquire(exclusive, signal, what);
    opts.onWait?.(performance.now() - waitStart, exclusive ? "exclusive" : "shared");
    try {
      return await fn();
    } finally {
      release();
    }
  }
  return {
    shared: (fn, signal) => run(false, fn, signal, "waiting for garbage collection to finish"),
    exclusive: (fn, signal) =>
      run(true, fn, signal, "waiting for attach/detach calls to finish before garbage collection"),
    exclusiveIfIdle: async (fn) =>
      queue.length === 0 && !writer && readers === 0 ? run(true, fn, undefined, "") : undefined,
  };
}
