import { describe, expect, it } from "vitest";
import type { AttachmentRecord } from "./attachment-store.js";
import { createAttachmentService, type AttachmentServiceDeps } from "./create-attachment-service.js";
import type { GoneReason, SandboxTruth } from "./sandbox-truth.js";
import {
  allPluginsFound,
  anyNetns,
  conf,
  fakeResolver,
  network,
  noClusterPods,
  recordingEvents,
  recordingLinks,
  recordingRoutes,
  recordingRuntime,
  recordingStatusWriter,
  request,
  silentLog,
  tempStore,
} from "./testing.test-helper.js";

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const networks = [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
];

/** A truth that says which containers' sandboxes are gone. */
function truth(gone: Map<string, GoneReason>): SandboxTruth {
  return {
    snapshot: async () => ({
      sources: ["test truth"],
      notes: ["a note"],
      gone: async (r: AttachmentRecord) => gone.get(r.plan.containerId),
    }),
  };
}

describe("a reconcile pass (GC without a valid set)", () => {
  const t = tempStore("gc-");

  function service(
    o: {
      gone?: Map<string, GoneReason>;
      graceMs?: number;
      runtime?: ReturnType<typeof recordingRuntime>;
      clock?: { now: number };
    } = {},
  ) {
    const runtime = o.runtime ?? recordingRuntime();
    const events = recordingEvents();
    const clock = o.clock ?? { now: Date.parse("2026-03-01T10:00:00Z") };
    const deps: AttachmentServiceDeps = {
      runtime,
      resolver: fakeResolver(networks),
      podSource: noClusterPods,
      statusWriter: recordingStatusWriter(),
      store: t.store,
      orphans: t.orphans,
      links: recordingLinks(),
      events,
      routes: recordingRoutes(),
      findPlugin: allPluginsFound,
      netns: anyNetns,
      limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
      clusterNetwork: () => undefined,
      truth: truth(o.gone ?? new Map()),
      gracePeriodMs: o.graceMs ?? 60_000,
      now: () => new Date(clock.now),
    };
    return { svc: createAttachmentService(deps), runtime, events, clock };
  }

  it("detaches an attachment whose sandbox is gone once it is older than the grace period; a younger one is spared", async () => {
    const { svc, runtime, events, clock } = service({
      gone: new Map<string, GoneReason>([
        ["old", "sandbox-gone"],
        ["young", "sandbox-gone"],
      ]),
    });
    await svc.attach(request({ containerId: "old" }), ctx());
    clock.now += 61_000;
    await svc.attach(request({ containerId: "young" }), ctx());
    await svc.attach(request({ containerId: "alive" }), ctx());
    clock.now += 1_000;
    runtime.calls.length = 0;

    const res = await svc.gc({}, ctx());

    expect(res.removedContainerIds).toEqual(["old"]);
    expect(res.sources).toEqual(["test truth"]);
    expect(res.notes).toEqual(["a note"]);
    expect(
      res.items.map((i) => [
        i.containerId,
        i.reason,
        i.outcome,
        i.interfaces.map((x) => `${x.ifName} ${x.ips.join(",")}`),
      ]),
    ).toEqual([["old", "sandbox-gone", "removed", ["eth0 10.0.1.2/24", "net1 10.0.2.2/24"]]]);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => `${c.rt?.containerId} ${c.ifName}`)).toEqual([
      "old net1",
      "old eth0",
    ]);
    // CNI GC runs per network with every attachment still saved as valid.
    expect(
      runtime.calls.filter((c) => c.op === "gc").map((c) => [c.network, c.validAttachments?.map((a) => a.containerId)]),
    ).toEqual([
      ["cbr0", ["alive", "young"]],
      ["ptp-conf", ["alive", "young"]],
    ]);
    expect((await t.store.list()).map((e) => e.containerId)).toEqual(["alive", "young"]);
    expect(events.events.filter((e) => e.kind === "reconcile").map((e) => [e.containerId, e.outcome, e.phase])).toEqual(
      [
        ["old", "ok", "reconcile"],
        // One event per pass, without a container: metrics count passes with it.
        ["", "ok", "gc"],
      ],
    );
  });

  it("with dry_run reports what it would remove (stale cache entries included) and changes nothing", async () => {
    const base = recordingRuntime();
    const runtime = {
      ...base,
      getCachedAttachments: async (net: string) =>
        net === "cbr0"
          ? [
              { containerId: "ghost", ifName: "eth0" },
              { containerId: "old", ifName: "eth0" },
            ]
          : [],
    };
    const { svc, clock } = service({
      gone: new Map<string, GoneReason>([["old", "netns-gone"]]),
      runtime: runtime as typeof base,
    });
    await svc.attach(request({ containerId: "old" }), ctx());
    clock.now += 120_000;
    base.calls.length = 0;

    const res = await svc.gc({ dryRun: true }, ctx());

    expect(res.dryRun).toBe(true);
    expect(res.removedContainerIds).toEqual([]);
    expect(res.items.map((i) => [i.containerId, i.reason, i.outcome])).toEqual([
      ["old", "netns-gone", "would-remove"],
      ["ghost", "stale-cache", "would-remove"],
    ]);
    expect(base.calls).toEqual([]);
    expect((await t.store.list()).map((e) => e.containerId)).toEqual(["old"]);
  });

  it("never touches an attachment whose ADD is in flight, and skips CNI GC in the background while calls run", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const runtime = recordingRuntime(undefined, async (c) => {
      if (c.op === "add" && c.ifName === "net1") await held;
    });
    // Grace 0 and a truth that says the sandbox is gone: only the in-flight rule protects it.
    const { svc } = service({ gone: new Map<string, GoneReason>([["slow", "sandbox-gone"]]), graceMs: 0, runtime });
    const adding = svc.attach(request({ containerId: "slow" }), ctx());
    while (!runtime.calls.some((c) => c.op === "add" && c.ifName === "net1"))
      await new Promise((r) => setTimeout(r, 5));

    const res = await svc.gc({ background: true }, ctx());

    expect(res.items.map((i) => [i.containerId, i.outcome])).toEqual([["slow", "skipped-in-flight"]]);
    expect(res.notes).toContain("CNI GC skipped this pass: ADD/DEL calls were in flight");
    expect(runtime.calls.filter((c) => c.op === "del" || c.op === "gc")).toEqual([]);
    release();
    await expect(adding).resolves.toMatchObject({ interfaces: [{ ifName: "eth0" }, { ifName: "net1" }] });
    const saved = await t.store.load("slow");
    expect(saved.state === "found" && saved.record.phase).toBe("attached");
  });

  it("leaves an orphan alone while its container id has a saved attachment again", async () => {
    const { svc, runtime } = service();
    await svc.attach(request({ containerId: "c1" }), ctx());
    const live = await t.store.load("c1");
    if (live.state !== "found") throw new Error("not saved");
    await t.orphans.save({ ...live.record, phase: "orphaned", cause: "addresses could not be released" });
    runtime.calls.length = 0;

    const res = await svc.gc({}, ctx());

    expect(res.items).toEqual([
      expect.objectContaining({
        containerId: "c1",
        reason: "orphaned",
        outcome: "orphaned",
        message: "waits: the container id has a saved attachment again",
      }),
    ]);
    expect(runtime.calls.filter((c) => c.op === "del" || c.op === "release")).toEqual([]);
  });
});
