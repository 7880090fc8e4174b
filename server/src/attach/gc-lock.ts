// GC is exclusive with ADD/DEL (CNI spec): ADD/DEL share the lock, GC takes all of it.
// A waiting GC holds back new ADD/DEL so it cannot starve.
import { Semaphore } from "async-mutex";
import { acquireWithSignal, type Release } from "./abortable-acquire.js";

const WEIGHT = 1_000_000;

export interface GcLock {
  shared<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  exclusive<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createGcLock(): GcLock {
  const sem = new Semaphore(WEIGHT);
  async function run<T>(weight: number, fn: () => Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
    const grant = sem.acquire(weight).then(([, release]): Release => release);
    const release = await acquireWithSignal(grant, signal, what);
    try {
      return await fn();
    } finally {
      release();
    }
  }
  return {
    shared: (fn, signal) => run(1, fn, signal, "waiting for garbage collection to finish"),
    exclusive: (fn, signal) => run(WEIGHT, fn, signal, "waiting for attach/detach calls to finish before garbage collection"),
  };
}
