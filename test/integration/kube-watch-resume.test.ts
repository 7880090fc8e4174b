// Watches end; the informers must carry on without losing an event: a clean end resumes
// from the last resourceVersion, 410 Gone forces a relist, and bookmarks keep the
// resourceVersion fresh so a resume after compaction needs no relist.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type EdgeFixture,
  type EdgeFixtureOptions,
  NODE,
  startEdgeFixture,
} from "../helpers/kube-stand-in/edge-fixture.js";

const NADS = "network-attachment-definitions" as const;
let fx: EdgeFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function synced(seed?: EdgeFixtureOptions["seed"], config?: EdgeFixtureOptions["config"]): Promise<EdgeFixture> {
  fx = await startEdgeFixture({ seed, ...(config ? { config } : {}) });
  await vi.waitFor(() => expect(fx!.edge.ready()).toBe(true));
  // From here on live GETs fail: whatever the edge knows, it learned from list + watch.
  fx.standIn.failNext({ verb: "get" }, 500, 100_000);
  return fx;
}

async function names(f: EdgeFixture, namespace: string, candidates: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of candidates) {
    const r = await f.edge.networkSource.lookup({ namespace, name }).catch(() => undefined);
    if (r?.found) found.push(`${name}:${JSON.stringify(r.found.config.bridge)}`);
  }
  return found;
}

describe("kube edge: watch resume", () => {
  it("resumes a cleanly ended watch from its resourceVersion and gets the events it missed (no relist)", async () => {
    const f = await synced(
      (s) => void s.createNad({ namespace: "ns1", name: "keep", config: { type: "bridge", bridge: "k" } }),
    );
    f.standIn.resetRequests();
    f.standIn.stallWatches();
    f.standIn.createNad({ namespace: "ns1", name: "added", config: { type: "bridge", bridge: "a" } });
    f.standIn.updateNad("ns1", "keep", { type: "bridge", bridge: "k2" });
    f.standIn.endWatches();
    await vi.waitFor(async () => expect(await names(f, "ns1", ["keep", "added"])).toEqual(['keep:"k2"', 'added:"a"']));
    expect(f.standIn.count({ verb: "list" })).toBe(0);
    const resumed = f.standIn.requests.filter((r) => r.verb === "watch" && r.resource === NADS);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Number(resumed[0]!.query.resourceVersion)).toBeGreaterThan(0);
  });

  it("relists after 410 Gone and loses no create, update or delete made while the watch was stalled", async () => {
    const f = await synced((s) => {
      s.createNad({ namespace: "ns1", name: "stay", config: { type: "bridge", bridge: "s" } });
      s.createNad({ namespace: "ns1", name: "doomed", config: { type: "bridge", bridge: "d" } });
    });
    f.standIn.resetRequests();
    f.standIn.stallWatches(); // these events never reach the informer over the watch
    f.standIn.createNad({ namespace: "ns1", name: "born", config: { type: "bridge", bridge: "b" } });
    f.standIn.updateNad("ns1", "stay", { type: "bridge", bridge: "s2" });
    f.standIn.deleteNad("ns1", "doomed");
    f.standIn.expireWatches(); // ERROR 410 + end; history compacted
    await vi.waitFor(async () =>
      expect(await names(f, "ns1", ["stay", "doomed", "born"])).toEqual(['stay:"s2"', 'born:"b"']),
    );
    expect(f.standIn.count({ verb: "list", resource: NADS })).toBe(1);
    expect(f.edge.ready()).toBe(true);
  });

  it("relists when a resumed watch is answered 410 because the history was compacted meanwhile", async () => {
    const f = await synced(
      (s) => void s.createPod({ namespace: "ns1", name: "p", nodeName: NODE, annotations: { v: "1" } }),
    );
    f.standIn.resetRequests();
    f.standIn.stallWatches();
    f.standIn.setPodAnnotations("ns1", "p", { v: "2" });
    f.standIn.compact();
    f.standIn.endWatches();
    await vi.waitFor(async () =>
      expect((await f.edge.podSource.getPod("ns1", "p")).found?.annotations).toEqual({ v: "2" }),
    );
    expect(f.standIn.count({ verb: "list", resource: "pods" })).toBe(1);
  });

  it("follows bookmarks, so a resume after compaction needs no relist", async () => {
    const f = await synced((s) => void s.createPod({ namespace: "ns1", name: "mine", nodeName: NODE }));
    // Traffic the node-scoped watch never sees moves the resourceVersion on.
    for (let i = 0; i < 5; i++) f.standIn.createPod({ namespace: "ns1", name: `elsewhere-${i}`, nodeName: "node-b" });
    f.standIn.sendBookmarks();
    f.standIn.compact();
    f.standIn.resetRequests();
    f.standIn.endWatches();
    await vi.waitFor(() => expect(f.standIn.openWatches("pods")).toBe(1));
    const resume = f.standIn.requests.find((r) => r.verb === "watch" && r.resource === "pods")!;
    expect(Number(resume.query.resourceVersion)).toBe(f.standIn.store.oldestRv());
    expect(resume.query.allowWatchBookmarks).toBe("true");
    expect(f.standIn.count({ verb: "list" })).toBe(0);
  });

  // A wedged API server or proxy: the resumed watch gets no answer, or a 200 and then silence,
  // and never ends whatever timeoutSeconds asked. Without a deadline of its own the informer
  // stayed "synced" on what it had, and nothing created later was ever seen.
  it.each(["hang", "stall"] as const)(
    "gives up a watch that %ss past its timeoutSeconds, and sees what changed meanwhile",
    async (fault) => {
      const f = await synced(undefined, { tuning: { watchTimeoutSeconds: 1 } });
      const watches = () => f.standIn.count({ verb: "watch", resource: NADS });
      const before = watches();
      f.standIn.failNext({ verb: "watch", resource: NADS }, fault, 1);
      await vi.waitFor(() => expect(watches()).toBeGreaterThan(before), { timeout: 5_000 }); // the faulty one
      f.standIn.createNad({ namespace: "ns1", name: "late", config: { type: "bridge", bridge: "l" } });
      await vi.waitFor(async () => expect(await names(f, "ns1", ["late"])).toEqual(['late:"l"']), { timeout: 10_000 });
      const stats = f.edge.informerStats().find((s) => s.resource === NADS)!;
      expect(stats.watchRestarts.failed).toBeGreaterThanOrEqual(1);
      expect(f.edge.ready()).toBe(true);
    },
  );

  // An API server whose watches answer 410 Gone at once, even from the resourceVersion of a list
  // just made (a lagging replica behind the load balancer, a watch cache that restarted): each
  // 410 relisted at once, without a pause, a LIST and a WATCH in a tight loop.
  it("backs off between relists when every watch answers 410 Gone at once, and recovers", async () => {
    const f = await synced((s) => void s.createNad({ namespace: "ns1", name: "n", config: { type: "bridge" } }));
    f.standIn.resetRequests();
    f.standIn.failNext({ verb: "watch", resource: NADS }, 410, 100_000);
    f.standIn.endWatches();
    await new Promise((r) => setTimeout(r, 2_000));
    const lists = f.standIn.count({ verb: "list", resource: NADS });
    // FAST_TUNING's backoff (50 ms doubling to 200 ms, jittered down by up to half): ≤ 21 in 2 s.
    expect(lists).toBeGreaterThanOrEqual(1);
    expect(lists).toBeLessThanOrEqual(25);
    const stats = f.edge.informerStats().find((s) => s.resource === NADS)!;
    expect(stats.watchRestarts.failed).toBeGreaterThanOrEqual(lists - 1); // each one a failure, not a healthy end
    f.standIn.clearFaults();
    f.standIn.createNad({ namespace: "ns1", name: "after", config: { type: "bridge", bridge: "a" } });
    await vi.waitFor(async () => expect(await names(f, "ns1", ["after"])).toEqual(['after:"a"']), { timeout: 5_000 });
    await vi.waitFor(() => expect(f.edge.ready()).toBe(true)); // the relist is in; the watch opens after it
  });
});
