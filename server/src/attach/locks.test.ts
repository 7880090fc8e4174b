import { describe, expect, it } from "vitest";
import { rejection } from "./testing.test-helper.js";
import { createCallLimits } from "./call-limits.js";
import { createContainerLock, createGcLock } from "./locks.js";
import { withDeadline } from "./call-deadline.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("container lock", () => {
  it("runs operations on one container one at a time, in order", async () => {
    const lock = createContainerLock();
    const events: string[] = [];
    const gate = deferred();
    const a = lock.run("c1", async () => {
      events.push("a start");
      await gate.promise;
      events.push("a end");
    });
    const b = lock.run("c1", async () => void events.push("b"));
    await tick();
    expect(events).toEqual(["a start"]);
    gate.resolve();
    await Promise.all([a, b]);
    expect(events).toEqual(["a start", "a end", "b"]);
    expect(lock.size()).toBe(0);
  });

  it("lets different containers run at the same time", async () => {
    const lock = createContainerLock();
    const gate = deferred();
    const events: string[] = [];
    const a = lock.run("c1", async () => {
      await gate.promise;
      events.push("c1");
    });
    await lock.run("c2", async () => void events.push("c2"));
    gate.resolve();
    await a;
    expect(events).toEqual(["c2", "c1"]);
  });

  it("releases the lock when the operation throws", async () => {
    const lock = createContainerLock();
    await expect(lock.run("c1", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(lock.run("c1", async () => "ok")).resolves.toBe("ok");
  });

  it("stops waiting when the signal fires, without running the operation", async () => {
    const lock = createContainerLock();
    const gate = deferred();
    const held = lock.run("c1", () => gate.promise);
    const ac = new AbortController();
    let ran = false;
    const waiting = lock.run("c1", async () => void (ran = true), ac.signal);
    ac.abort(new Error("gone"));
    const err = await rejection(waiting);
    expect(err.code).toBe("CANCELLED");
    gate.resolve();
    await held;
    await expect(lock.run("c1", async () => "next")).resolves.toBe("next");
    expect(ran).toBe(false);
  });
});

describe("gc lock", () => {
  it("makes GC wait for ADD/DEL in flight and holds new ones back until it ends", async () => {
    const lock = createGcLock();
    const events: string[] = [];
    const add = deferred();
    const a = lock.shared(async () => {
      events.push("add start");
      await add.promise;
      events.push("add end");
    });
    const g = lock.exclusive(async () => void events.push("gc"));
    const b = lock.shared(async () => void events.push("del"));
    await tick();
    expect(events).toEqual(["add start"]);
    add.resolve();
    await Promise.all([a, g, b]);
    expect(events).toEqual(["add start", "add end", "gc", "del"]);
  });

  it("runs one GC at a time, and ADD/DEL that wait behind a GC together after it", async () => {
    const lock = createGcLock();
    const events: string[] = [];
    const first = deferred();
    const g1 = lock.exclusive(async () => {
      events.push("gc1 start");
      await first.promise;
      events.push("gc1 end");
    });
    const g2 = lock.exclusive(async () => void events.push("gc2"));
    const adds = [lock.shared(async () => void events.push("add1")), lock.shared(async () => void events.push("add2"))];
    await tick();
    expect(events).toEqual(["gc1 start"]);
    first.resolve();
    await Promise.all([g1, g2, ...adds]);
    expect(events).toEqual(["gc1 start", "gc1 end", "gc2", "add1", "add2"]);
  });

  it("does not run a GC whose wait was cancelled, and frees the lock for later calls", async () => {
    const lock = createGcLock();
    const gate = deferred();
    const held = lock.shared(() => gate.promise);
    const ac = new AbortController();
    let ran = false;
    const waiting = lock.exclusive(async () => void (ran = true), ac.signal);
    ac.abort();
    expect((await rejection(waiting)).code).toBe("CANCELLED");
    gate.resolve();
    await held;
    await expect(lock.exclusive(async () => "gc")).resolves.toBe("gc");
    await expect(lock.shared(async () => "add")).resolves.toBe("add");
    expect(ran).toBe(false);
  });

  it("drops a GC that gave up waiting from the queue: ADD/DEL behind it run at once", async () => {
    const lock = createGcLock();
    const gate = deferred();
    const held = lock.shared(() => gate.promise);
    const ac = new AbortController();
    const waiting = lock.exclusive(async () => "gc", ac.signal);
    const behind = lock.shared(async () => "del");
    await tick();
    ac.abort();
    expect((await rejection(waiting)).code).toBe("CANCELLED");
    await expect(behind).resolves.toBe("del");
    await expect(lock.shared(async () => "add")).resolves.toBe("add");
    gate.resolve();
    await held;
  });

  it("a wait ended by the caller's deadline (a plain abort at its instant) says so: PLUGIN_TIMEOUT, not a cancel", async () => {
    const lock = createContainerLock();
    const gate = deferred();
    const held = lock.run("c1", () => gate.promise);
    const ac = new AbortController();
    const waiting = lock.run("c1", async () => "ran", withDeadline(ac.signal, 0)); // long passed when it fires
    await tick();
    ac.abort();
    const err = await rejection(waiting);
    expect(err.code).toBe("PLUGIN_TIMEOUT");
    expect(err.message).toBe("deadline exceeded while waiting for container c1");
    gate.resolve();
    await held;
  });

  it("lets ADD/DEL share the lock", async () => {
    const lock = createGcLock();
    const gate = deferred();
    const a = lock.shared(() => gate.promise);
    await expect(lock.shared(async () => "both")).resolves.toBe("both");
    gate.resolve();
    await a;
  });
});

describe("call limits", () => {
  it("bounds how many calls run at once", async () => {
    const limits = createCallLimits({ maxConcurrent: 2, callTimeoutMs: 60_000 });
    const gates = [deferred(), deferred(), deferred()];
    let running = 0;
    let most = 0;
    const calls = gates.map((g) =>
      limits.run(async () => {
        most = Math.max(most, ++running);
        await g.promise;
        running--;
      }),
    );
    await tick();
    expect(running).toBe(2);
    gates.forEach((g) => g.resolve());
    await Promise.all(calls);
    expect(most).toBe(2);
  });

  it("gives up waiting for a slot when the signal fires", async () => {
    const limits = createCallLimits({ maxConcurrent: 1, callTimeoutMs: 60_000 });
    const gate = deferred();
    const held = limits.run(() => gate.promise);
    const ac = new AbortController();
    const waiting = limits.run(async () => "ran", ac.signal);
    ac.abort();
    expect((await rejection(waiting)).code).toBe("CANCELLED");
    gate.resolve();
    await held;
    await expect(limits.run(async () => "free")).resolves.toBe("free");
  });

  it("combines the caller's signal with the deadline, and reports a deadline as a timeout", () => {
    const limits = createCallLimits({ maxConcurrent: 1, callTimeoutMs: 60_000 });
    const ac = new AbortController();
    const signal = limits.deadline(ac.signal);
    expect(signal.aborted).toBe(false);
    ac.abort();
    expect(signal.aborted).toBe(true);
    expect(limits.detachedDeadline().aborted).toBe(false);
  });
});
