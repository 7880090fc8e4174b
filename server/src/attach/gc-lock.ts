// GC is exclusive with ADD/DEL (CNI spec): ADD/DEL share the lock, GC takes all of it.
// A waiting GC holds back new ADD/DEL so it cannot starve: waiters are served in arrival
// order, consecutive shared waiters together.
// (A hand-rolled lock: async-mutex's weighted Semaphore scans every weight on each release,
// which cost milliseconds per call at the weight an "exclusive" needs.)
import { acquireWithSignal, type Release } from "./abortable-acquire.js";

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
  const acquire = (exclusive: boolean): Promise<Release> => {
    const free = queue.length === 0 && !writer && (!exclusive || readers === 0);
    if (free) {
      if (exclusive) writer = true;
      else readers++;
      return Promise.resolve(releaser(exclusive));
    }
    return new Promise<Release>((grant) => queue.push({ exclusive, grant }));
  };

  async function run<T>(exclusive: boolean, fn: () => Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    const waitStart = performance.now();
    const release = await acquireWithSignal(acquire(exclusive), signal, what);
    opts.onWait?.(performance.now() - waitStart, exclusive ? "exclusive" : "shared");
    try {
      return await fn();
    } finally {
      release();
    }
  }
  return {
    shared: (fn, signal) => run(false, fn, signal, "waiting for garbage collection to finish"),
    exclusive: (fn, signal) => run(true, fn, signal, "waiting for attach/detach calls to finish before garbage collection"),
    exclusiveIfIdle: async (fn) => (queue.length === 0 && !writer && readers === 0 ? run(true, fn, undefined, "") : undefined),
  };
}
