import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent } from "./attachment-event.js";
import { createEventBus, type EventSubscription, type SubscriptionItem } from "./event-bus.js";

const ev = (containerId: string, extra: Partial<AttachmentEvent> = {}): AttachmentEvent => ({
  kind: "attach",
  outcome: "ok",
  time: new Date(0),
  containerId,
  ...extra,
});

/** Everything the subscription holds now, then closes it. */
async function drain(sub: EventSubscription, count: number): Promise<SubscriptionItem[]> {
  const out: SubscriptionItem[] = [];
  for await (const item of sub) {
    out.push(item);
    if (out.length === count) break;
  }
  return out;
}

const label = (items: SubscriptionItem[]): string[] =>
  items.map((i) => ("lost" in i ? `lost ${i.lost}` : `${i.recorded.sequence}:${i.recorded.event.containerId}`));

describe("event bus", () => {
  it("fans out every event to every reader, in emit order", async () => {
    const bus = createEventBus({ historySize: 10, bufferSize: 10, maxWatchers: 4 });
    const a = bus.subscribe({});
    const b = bus.subscribe({});
    for (const id of ["c1", "c2", "c1"]) bus.emit(ev(id));
    expect(label(await drain(a, 3))).toEqual(["1:c1", "2:c2", "3:c1"]);
    expect(label(await drain(b, 3))).toEqual(["1:c1", "2:c2", "3:c1"]);
  });

  it("filters by container, pod and network (the event's own, or an interface it added)", async () => {
    const bus = createEventBus();
    const pod = { namespace: "ns", name: "p", uid: "u" };
    const byPod = bus.subscribe({ podNamespace: "ns", podName: "p" });
    const byNet = bus.subscribe({ network: "ns/blue" });
    const byCid = bus.subscribe({ containerId: "c3" });
    bus.emit(ev("c1", { pod, interfaces: [{ network: "ns/blue", ifName: "net1", ips: [] }] }));
    bus.emit(ev("c2", { pod: { ...pod, name: "q" }, network: "ns/blue", outcome: "failed" }));
    bus.emit(ev("c3", { pod }));
    expect(label(await drain(byPod, 2))).toEqual(["1:c1", "3:c3"]);
    expect(label(await drain(byNet, 2))).toEqual(["1:c1", "2:c2"]);
    expect(label(await drain(byCid, 1))).toEqual(["3:c3"]);
  });

  it("a reader that does not read loses its oldest events, is told how many, and never holds up emit", async () => {
    const bus = createEventBus({ historySize: 4, bufferSize: 3, maxWatchers: 2 });
    const stuck = bus.subscribe({});
    const started = performance.now();
    for (let i = 1; i <= 10_000; i++) bus.emit(ev(`c${i}`));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(label(await drain(stuck, 4))).toEqual(["lost 9997", "9998:c9998", "9999:c9999", "10000:c10000"]);
  });

  it("keeps a bounded history and replays the matching part to readers that ask", async () => {
    const bus = createEventBus({ historySize: 3, bufferSize: 10, maxWatchers: 2 });
    for (const id of ["a", "b", "a", "c", "a"]) bus.emit(ev(id));
    expect(bus.recent().map((r) => r.sequence)).toEqual([3, 4, 5]);
    expect(bus.recent({ containerId: "a" }).map((r) => r.sequence)).toEqual([3, 5]);
    const sub = bus.subscribe({ containerId: "a" }, { replayRecent: true });
    bus.emit(ev("a"));
    expect(label(await drain(sub, 3))).toEqual(["3:a", "5:a", "6:a"]);
  });

  it("close() ends readers after what they hold; later readers end at once", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe({});
    bus.emit(ev("c1"));
    bus.close();
    bus.emit(ev("c2"));
    expect(label(await drain(sub, 10))).toEqual(["1:c1"]);
    expect(label(await drain(bus.subscribe({}, { replayRecent: true }), 10))).toEqual(["1:c1", "2:c2"]);
    expect(bus.subscribers()).toBe(0);
  });

  it("a waiting reader ends when its signal fires, and frees its slot", async () => {
    const bus = createEventBus({ historySize: 1, bufferSize: 1, maxWatchers: 1 });
    const ac = new AbortController();
    const sub = bus.subscribe({}, { signal: ac.signal });
    const done = drain(sub, 10);
    expect(() => bus.subscribe({})).toThrow(DaemonError);
    try {
      bus.subscribe({});
    } catch (err) {
      expect((err as DaemonError).code).toBe("WATCH_LIMIT");
      expect((err as DaemonError).message).toContain("events.maxWatchers");
    }
    ac.abort();
    expect(await done).toEqual([]);
    expect(bus.subscribers()).toBe(0);
    bus.subscribe({}).close();
  });
});
