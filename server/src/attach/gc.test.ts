import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { DEFAULTS } from "../config/index.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { createAttachmentService, type AttachmentServiceDeps } from "./create-attachment-service.js";
import type { GoneReason, SandboxTruth } from "./sandbox-truth.js";
import type { ResolvedNetwork } from "../resolve/index.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { guardFromInspect } from "../netns/netns-guard.test-helper.js";
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
      /** "unset": the service is given none and takes its default. */
      graceMs?: number | "unset";
      runtime?: ReturnType<typeof recordingRuntime>;
      clock?: { now: number };
      gcTimeoutMs?: number;
      networks?: ResolvedNetwork[];
      netns?: NetnsGuard;
    } = {},
  ) {
    const runtime = o.runtime ?? recordingRuntime();
    const events = recordingEvents();
    const clock = o.clock ?? { now: Date.parse("2026-03-01T10:00:00Z") };
    const deps: AttachmentServiceDeps = {
      runtime,
      resolver: fakeResolver(o.networks ?? networks),
      podSource: noClusterPods,
      statusWriter: recordingStatusWriter(),
      store: t.store,
      orphans: t.orphans,
      links: recordingLinks(),
      events,
      routes: recordingRoutes(),
      findPlugin: allPluginsFound,
      netns: o.netns ?? anyNetns,
      limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
      clusterNetwork: () => undefined,
      truth: truth(o.gone ?? new Map()),
      ...(o.graceMs === "unset" ? {} : { gracePeriodMs: o.graceMs ?? 60_000 }),
      ...(o.gcTimeoutMs !== undefined ? { gcTimeoutMs: o.gcTimeoutMs } : {}),
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

  it("without a configured grace period spares an attachment for the config's default reconcile.gracePeriodMs", async () => {
    const { svc, clock } = service({ graceMs: "unset", gone: new Map([["gone", "sandbox-gone"]]) });
    await svc.attach(request({ containerId: "gone" }), ctx());

    clock.now += DEFAULTS.reconcile.gracePeriodMs - 1_000;
    expect((await svc.gc({}, ctx())).removedContainerIds).toEqual([]);
    clock.now += 2_000;
    expect((await svc.gc({}, ctx())).removedContainerIds).toEqual(["gone"]);
  });

  it("judges at once an attachment written a day ahead of the clock (the clock stepped back), with one warn line naming the step", async () => {
    const { svc, clock } = service({
      gone: new Map<string, GoneReason>([
        ["ahead", "netns-gone"],
        ["drift", "netns-gone"],
      ]),
    });
    const base = clock.now;
    clock.now = base + 86_400_000;
    await svc.attach(request({ containerId: "ahead" }), ctx());
    // Within a minute ahead: clocks drifting apart, not a step; spared for the grace period as before.
    clock.now = base + 30_000;
    await svc.attach(request({ containerId: "drift" }), ctx());
    clock.now = base;
    const lines: Array<Record<string, unknown>> = [];
    const log = pino(
      { level: "warn" },
      { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    );

    const res = await svc.gc({}, { signal: new AbortController().signal, log });

    expect(res.removedContainerIds).toEqual(["ahead"]);
    expect((await t.store.list()).map((e) => e.containerId)).toEqual(["drift"]);
    expect(lines.map((l) => [l.msg, l.count, l.containerIds])).toEqual([
      [
        "1 saved attachment(s) were written up to 86400 s in the future: the clock stepped back since; judged now instead of sparing them for the grace period",
        1,
        ["ahead"],
      ],
    ]);
  });

  it("refuses a valid set with an entry that names no container (INVALID_REQUEST with its index) and removes nothing", async () => {
    const { svc, runtime } = service();
    await svc.attach(request({ containerId: "keep" }), ctx());
    await svc.attach(request({ containerId: "stale" }), ctx());
    runtime.calls.length = 0;
    for (const [ids, message] of [
      [["keep", ""], "valid_attachments.container_ids[1] has no containerID"],
      [["keep:eth0"], 'valid_attachments.container_ids[0]: containerID "keep:eth0" must match'],
    ] as const) {
      const err = await svc.gc({ validContainerIds: ids }, ctx()).then(
        () => expect.fail("resolved"),
        (e: unknown) => e as DaemonError,
      );
      expect(err).toBeInstanceOf(DaemonError);
      expect(err.code).toBe("INVALID_REQUEST");
      expect(err.message.startsWith(message)).toBe(true);
    }
    expect(runtime.calls).toEqual([]);
    expect((await t.store.list()).map((e) => e.containerId)).toEqual(["keep", "stale"]);
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

  it("says which ipMasq networks' masquerade rules a DEL without the netns left, and how to find them", async () => {
    const gonePaths = new Set<string>();
    const { svc, clock } = service({
      gone: new Map<string, GoneReason>([
        ["masq", "netns-gone"],
        ["alive", "sandbox-gone"],
      ]),
      networks: [
        network("cluster", "cbr0", conf("cbr0", "bridge", { ipMasq: true })),
        network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
      ],
      netns: guardFromInspect((path) =>
        gonePaths.has(path)
          ? { ok: false, problem: "missing", detail: "does not exist" }
          : { ok: true, id: `ns:${path}` },
      ),
    });
    for (const containerId of ["masq", "alive"]) await svc.attach(request({ containerId }), ctx());
    gonePaths.add("/var/run/netns/masq");
    clock.now += 120_000;

    const res = await svc.gc({}, ctx());

    const byId = Object.fromEntries(res.items.map((i) => [i.containerId, i]));
    expect(byId.masq).toEqual(
      expect.objectContaining({
        outcome: "removed",
        message:
          'removed; its netns was gone, so the ipMasq rules of network "cbr0" (eth0) stay on the host (the plugin reads ' +
          "the addresses to unmasquerade from the pod's interface): iptables -t nat -S | grep -F 'id: \\\"masq\\\"' " +
          "(docs/troubleshooting.md)",
      }),
    );
    // The ptp network (no ipMasq) is not named; with the netns still there the plugin unmasquerades itself.
    expect(byId.alive).toEqual(expect.objectContaining({ outcome: "removed" }));
    expect(byId.alive).not.toHaveProperty("message");
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

  /** A runtime whose cache holds `cached` per network (the cluster network's config rebuilt from it). */
  function withCache(base: ReturnType<typeof recordingRuntime>, cached: Record<string, string[]>) {
    return Object.assign(base, {
      getCachedAttachments: async (net: string) =>
        (cached[net] ?? []).map((containerId) => ({ containerId, ifName: "eth0" })),
    });
  }

  it("collects nothing while a saved record cannot be read: the live pod behind it keeps its interfaces and addresses", async () => {
    const runtime = withCache(recordingRuntime(), { cbr0: ["broken", "ghost"] });
    const { svc, events, clock } = service({ runtime });
    await svc.attach(request({ containerId: "alive" }), ctx());
    await writeFile(join(t.dir, "attachments", "broken.json"), '{"truncated');
    clock.now += 120_000;
    runtime.calls.length = 0;

    for (const background of [true, false]) {
      const res = await svc.gc({ background }, ctx());

      // Neither the unreadable container's cached attachment nor anyone else's is DELed, no plugin GC runs.
      expect(runtime.calls.filter((c) => c.op === "gc" || c.op === "del")).toEqual([]);
      expect(res.items.filter((i) => i.reason === "stale-cache")).toEqual([]);
      expect(res.notes).toContain(
        "CNI GC skipped: 1 saved record(s) cannot be read (container broken); what they hold is unknown, so no cached attachment is collected until each is repaired or removed",
      );
      expect(res.errors).toEqual([
        expect.stringMatching(/^container broken: saved attachment .*broken\.json is corrupt .*never reconciled$/),
      ]);
    }
    expect(events.events.filter((e) => e.phase === "gc").map((e) => e.message)).toEqual([
      expect.stringMatching(/1 unreadable saved record\(s\) left in place, CNI GC skipped$/),
      expect.stringMatching(/1 unreadable saved record\(s\) left in place, CNI GC skipped$/),
    ]);
  });

  it("says a record a newer netattachd wrote is why nothing is collected, and that a roll-forward ends it", async () => {
    const runtime = withCache(recordingRuntime(), { cbr0: ["newer", "broken", "ghost"] });
    const { svc } = service({ runtime });
    await svc.attach(request({ containerId: "alive" }), ctx());
    const newerPath = join(t.dir, "attachments", "newer.json");
    await writeFile(newerPath, JSON.stringify({ version: 3, minReaderVersion: 2 }));
    runtime.calls.length = 0;

    const res = await svc.gc({}, ctx());
    expect(runtime.calls.filter((c) => c.op === "gc" || c.op === "del")).toEqual([]);
    expect(res.notes).toContain(
      "CNI GC skipped: 1 saved record(s) cannot be read (written by a newer netattachd: container newer); what they hold is unknown, so no cached attachment is collected until netattachd is rolled forward to a release that reads the newer records",
    );
    expect(res.errors).toEqual([
      `container newer: saved attachment ${newerPath} was written by a newer netattachd (record version 3, readable from version 2; this netattachd reads version 1): roll netattachd forward to a release that reads it; left in place, never reconciled`,
    ]);

    await writeFile(join(t.dir, "attachments", "broken.json"), "{");
    expect((await svc.gc({}, ctx())).notes).toContain(
      "CNI GC skipped: 2 saved record(s) cannot be read (container broken; written by a newer netattachd: container newer); what they hold is unknown, so no cached attachment is collected until netattachd is rolled forward to a release that reads the newer records and each corrupt one is repaired or removed",
    );
    expect(existsSync(newerPath)).toBe(true);
  });

  it("bounds each network's CNI GC by gcTimeoutMs, backs off one that timed out in background passes, and tries it when asked", async () => {
    const runtime = recordingRuntime(undefined, async (c) => {
      if (c.op !== "gc" || c.network !== "ptp-conf") return;
      const signal = c.opts?.signal;
      if (signal === undefined) throw new Error("CNI GC without a bound");
      await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error)));
    });
    const { svc, clock } = service({ runtime, gcTimeoutMs: 50 });
    await svc.attach(request({ containerId: "alive" }), ctx());
    runtime.calls.length = 0;
    const gcs = () => runtime.calls.filter((c) => c.op === "gc").map((c) => c.network);

    const started = Date.now();
    const first = await svc.gc({ background: true }, ctx());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(gcs()).toEqual(["cbr0", "ptp-conf"]);
    expect(runtime.calls.find((c) => c.op === "gc")?.opts?.pluginTimeoutMs).toBe(50);
    expect(first.errors).toEqual([
      expect.stringMatching(
        /^network "ptp-conf": gc interrupted: .* \(bound: reconcile\.gcTimeoutMs 50 ms; timed out 1 time\(s\) in a row; background passes try again after /,
      ),
    ]);

    // The next background pass leaves it alone (and says so); the other network is still collected.
    runtime.calls.length = 0;
    clock.now += 20_000;
    const second = await svc.gc({ background: true }, ctx());
    expect(gcs()).toEqual(["cbr0"]);
    expect(second.errors).toEqual([]);
    expect(second.notes).toContainEqual(
      expect.stringMatching(/^network "ptp-conf": CNI GC timed out 1 time\(s\) in a row;/),
    );

    // Asked for (netattachctl gc): tried now, and a second timeout doubles the wait.
    runtime.calls.length = 0;
    const asked = await svc.gc({}, ctx());
    expect(gcs()).toEqual(["cbr0", "ptp-conf"]);
    expect(asked.errors).toEqual([expect.stringMatching(/timed out 2 time\(s\) in a row/)]);
  });

  it("takes the GC lock per network: an ADD waiting behind one network's CNI GC runs before the next network's", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const runtime = recordingRuntime(undefined, async (c) => {
      if (c.op === "gc") order.push(`gc ${c.network}`);
      if (c.op === "add") order.push(`add ${c.rt?.containerId} ${c.network}`);
      if (c.op === "gc" && c.network === "cbr0") await held;
    });
    const { svc } = service({ runtime });
    await svc.attach(request({ containerId: "alive" }), ctx());
    order.length = 0;
    const pass = svc.gc({}, ctx());
    while (!order.includes("gc cbr0")) await new Promise((r) => setTimeout(r, 5));
    const adding = svc.attach(request({ containerId: "late" }), ctx());
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(["gc cbr0"]);
    release();
    await Promise.all([pass, adding]);
    expect(order).toEqual(["gc cbr0", "add late cbr0", "add late ptp-conf", "gc ptp-conf"]);
  });

  it("keeps an attachment saved while the pass runs: the next network's CNI GC is told it is valid", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const runtime = recordingRuntime(undefined, async (c) => {
      if (c.op === "gc" && c.network === "cbr0") await held;
    });
    const { svc } = service({ runtime });
    await svc.attach(request({ containerId: "alive" }), ctx());
    const pass = svc.gc({}, ctx());
    while (!runtime.calls.some((c) => c.op === "gc")) await new Promise((r) => setTimeout(r, 5));
    const adding = svc.attach(request({ containerId: "late" }), ctx());
    release();
    await Promise.all([pass, adding]);
    expect(
      runtime.calls.filter((c) => c.op === "gc").map((c) => [c.network, c.validAttachments?.map((a) => a.containerId)]),
    ).toEqual([
      ["cbr0", ["alive"]],
      ["ptp-conf", ["alive", "late"]],
    ]);
  });

  it("backs off an orphan whose release keeps failing in background passes, keeps it listed, and retries it when asked", async () => {
    const runtime = recordingRuntime((c) =>
      (c.op === "del" || c.op === "release") && c.rt?.containerId === "o1"
        ? new CniError({ kind: "plugin-failed", code: 11, msg: "still busy", plugin: "bridge", command: "DEL" })
        : undefined,
    );
    const { svc, clock } = service({ runtime });
    await svc.attach(request({ containerId: "o1" }), ctx());
    const live = await t.store.load("o1");
    if (live.state !== "found") throw new Error("not saved");
    await t.orphans.save({ ...live.record, phase: "orphaned", cause: "addresses could not be released" });
    await t.store.remove("o1");
    const retries = () => runtime.calls.filter((c) => c.op === "del" && c.rt?.containerId === "o1").length;
    runtime.calls.length = 0;

    const first = await svc.gc({ background: true }, ctx());
    expect(retries()).toBeGreaterThan(0);
    expect(first.items).toEqual([
      expect.objectContaining({
        containerId: "o1",
        outcome: "orphaned",
        message: expect.stringMatching(
          /retried without success 1 time\(s\) in a row; background passes try again after /,
        ),
      }),
    ]);

    runtime.calls.length = 0;
    clock.now += 20_000;
    const second = await svc.gc({ background: true }, ctx());
    expect(retries()).toBe(0);
    expect(second.items).toEqual([expect.objectContaining({ containerId: "o1", outcome: "orphaned" })]);
    expect((await svc.list({}, ctx())).attachments.map((a) => [a.containerId, a.phase])).toEqual([["o1", "orphaned"]]);
    // Its delegates still count as valid for CNI GC while it waits.
    expect(
      runtime.calls.filter((c) => c.op === "gc").map((c) => c.validAttachments?.map((a) => a.containerId)),
    ).toEqual([["o1"], ["o1"]]);

    // Past its time, or asked for, it is tried again; a success forgets the failures.
    runtime.calls.length = 0;
    await svc.gc({}, ctx());
    expect(retries()).toBeGreaterThan(0);
  });

  it("drops an orphaned delegate that is netattach's own shim without running its DEL, and releases the others", async () => {
    const { svc, runtime } = service();
    await svc.attach(request({ containerId: "c9" }), ctx());
    const live = await t.store.load("c9");
    if (live.state !== "found") throw new Error("not saved");
    const [, ptp] = live.record.plan.delegates;
    if (ptp === undefined) throw new Error("no secondary");
    // What an ADD through a definition without spec.config named `netattach` left before the resolver refused it.
    const shim = {
      ...ptp,
      network: "default/netattach",
      ifName: "net2",
      config: { cniVersion: "1.0.0", name: "netattach", plugins: [{ type: "netattach-cni", socketPath: "/x.sock" }] },
    };
    await t.orphans.save({
      ...live.record,
      plan: { ...live.record.plan, delegates: [ptp, shim] },
      phase: "orphaned",
      cause: "plugin netattach-cni timed out",
    });
    await t.store.remove("c9");
    runtime.calls.length = 0;

    const res = await svc.gc({}, ctx());

    expect(res.items).toEqual([expect.objectContaining({ containerId: "c9", reason: "orphaned", outcome: "removed" })]);
    expect(runtime.calls.filter((c) => c.network === "netattach")).toEqual([]);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => [c.network, c.ifName])).toEqual([
      ["ptp-conf", "net1"],
    ]);
    expect((await t.orphans.load("c9")).state).toBe("missing");
  });

  it("never CNI-GCs a network whose chain is netattach's own shim, even while an orphan that names it is kept", async () => {
    const { svc, runtime } = service();
    await svc.attach(request({ containerId: "c8" }), ctx());
    const live = await t.store.load("c8");
    if (live.state !== "found") throw new Error("not saved");
    const [cluster] = live.record.plan.delegates;
    if (cluster === undefined) throw new Error("no delegate");
    const shim = {
      ...cluster,
      network: "netattach",
      ifName: "net5",
      config: { cniVersion: "1.0.0", name: "netattach", type: "netattach-cni" },
    };
    await t.orphans.save({ ...live.record, plan: { ...live.record.plan, delegates: [shim] }, phase: "orphaned" });
    runtime.calls.length = 0;

    await svc.gc({}, ctx());

    expect(runtime.calls.filter((c) => c.op === "gc").map((c) => c.network)).toEqual(["cbr0", "ptp-conf"]);
  });
});
