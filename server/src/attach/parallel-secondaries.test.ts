// Secondary networks run concurrently after the cluster network (DEL: concurrently, then the cluster
// network); serial when the daemon config or the pod says so. What the caller and the store see is
// the same either way: interface names, network-status order, results, rollback of what ran.
import { describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import type { AttachmentRecord, AttachmentStore } from "./attachment-store.js";
import { createAttachmentService, type AttachmentServiceDeps } from "./create-attachment-service.js";
import { SERIAL_NETWORKS_ANNOTATION } from "../resolve/annotations.js";
import {
  allPluginsFound,
  anyNetns,
  conf,
  conflist,
  fakeResolver,
  network,
  noClusterPods,
  pluginFailure,
  recordingEvents,
  recordingLinks,
  recordingRoutes,
  recordingRuntime,
  recordingStatusWriter,
  rejection,
  request,
  silentLog,
  tempStore,
  type FailRule,
  type RuntimeCall,
} from "./testing.test-helper.js";

const stores = tempStore("parallel-");
const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const cluster = network("cluster", "cbr0", conflist("cbr0", [{ type: "bridge" }]));
const secondaries = [
  network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan")),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp"), { interface: "data0" }),
  network("selected", "default/ipvlan-conf", conf("ipvlan-conf", "ipvlan")),
];

/** Each call takes `delays[ifName]` ms (default 5) and is logged as "start/end op ifName"; `maxInFlight` per op. */
function timedRuntime(delays: Record<string, number> = {}, fail?: FailRule) {
  const log: string[] = [];
  const inFlight = { add: 0, del: 0 };
  const maxInFlight = { add: 0, del: 0 };
  const runtime = recordingRuntime(fail, async (c: RuntimeCall) => {
    if (c.op !== "add" && c.op !== "del") return;
    log.push(`start ${c.op} ${c.ifName}`);
    maxInFlight[c.op] = Math.max(maxInFlight[c.op], ++inFlight[c.op]);
    await new Promise((r) => setTimeout(r, delays[c.ifName ?? ""] ?? 5));
    inFlight[c.op]--;
    log.push(`end ${c.op} ${c.ifName}`);
  });
  return { runtime, log, maxInFlight };
}

function service(runtime: ReturnType<typeof recordingRuntime>, over: Partial<AttachmentServiceDeps> = {}) {
  const statusWriter = recordingStatusWriter();
  const svc = createAttachmentService({
    runtime,
    resolver: fakeResolver([cluster, ...secondaries]),
    podSource: noClusterPods,
    statusWriter,
    store: stores.store,
    orphans: stores.orphans,
    links: recordingLinks(),
    events: recordingEvents(),
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 8, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    ...over,
  });
  return { svc, statusWriter };
}

async function saved(): Promise<AttachmentRecord> {
  const r = await stores.store.load("c1");
  if (r.state !== "found") throw new Error(`no saved record: ${r.state}`);
  return r.record;
}

describe("parallel secondary networks", () => {
  it("ADD: the cluster network alone first, then the secondaries overlap; DEL: the secondaries overlap, then the cluster network", async () => {
    const { runtime, log, maxInFlight } = timedRuntime();
    const { svc } = service(runtime);
    await svc.attach(request(), ctx());
    expect(log.slice(0, 2)).toEqual(["start add eth0", "end add eth0"]);
    expect(log.slice(2, 5).sort()).toEqual(["start add data0", "start add net1", "start add net3"]);
    expect(maxInFlight.add).toBe(3);
    log.length = 0;
    await svc.detach({ containerId: "c1" }, ctx());
    expect(log.slice(0, 3).sort()).toEqual(["start del data0", "start del net1", "start del net3"]);
    expect(log.slice(-2)).toEqual(["start del eth0", "end del eth0"]);
    expect(maxInFlight.del).toBe(3);
    expect(await stores.store.load("c1")).toEqual({ state: "missing" });
  });

  it("answers, saves and writes network-status exactly as serial, whatever order the secondaries finish in", async () => {
    // net1 finishes last, data0 first.
    const parallel = timedRuntime({ net1: 40, data0: 1, net3: 15 });
    const a = service(parallel.runtime);
    const resA = await a.svc.attach(request(), ctx());
    const recA = await saved();
    await a.svc.detach({ containerId: "c1" }, ctx());

    const serial = timedRuntime();
    const b = service(serial.runtime, { parallelSecondaries: false });
    const resB = await b.svc.attach(request(), ctx());
    const recB = await saved();
    expect(serial.maxInFlight.add).toBe(1);

    const names = (r: typeof resA) => r.interfaces.map((i) => `${i.network}@${i.ifName}`);
    expect(names(resA)).toEqual([
      "cbr0@eth0",
      "default/macvlan-conf@net1",
      "default/ptp-conf@data0",
      "default/ipvlan-conf@net3",
    ]);
    expect(names(resA)).toEqual(names(resB));
    expect(resA.networkStatus.map((s) => [s.name, s.interface, s.default])).toEqual(
      resB.networkStatus.map((s) => [s.name, s.interface, s.default]),
    );
    expect(a.statusWriter.written.map((w) => w.map((s) => s.interface))).toEqual([["eth0", "net1", "data0", "net3"]]);
    expect(recA.phase).toBe("attached");
    expect(recA.plan).toEqual(recB.plan);
    expect(Object.keys(recA.results)).toEqual(["eth0", "net1", "data0", "net3"]);
    // The cluster network's result is the primary result either way.
    expect(resA.primaryResult).toEqual(resB.primaryResult);
  });

  it("a failing secondary: the others still finish, then everything that ran is rolled back (secondaries, then the cluster network) and the error names the failed one", async () => {
    const { runtime, log } = timedRuntime({ net1: 30 }, (c) =>
      c.op === "add" && c.ifName === "data0" ? pluginFailure("ptp", 7, "bad") : undefined,
    );
    const { svc, statusWriter } = service(runtime);
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.context).toMatchObject({ network: "default/ptp-conf", ifName: "data0", plugin: "ptp" });
    expect(err.message).toContain("rolled back: 4 delegates deleted");
    const ops = runtime.calls.map((c) => `${c.op} ${c.ifName}`);
    // Rollback starts only once the slow net1 has finished its ADD.
    expect(log.indexOf("end add net1")).toBeLessThan(log.indexOf("start del net1"));
    expect(ops.slice(4, 7).sort()).toEqual(["del data0", "del net1", "del net3"]);
    expect(ops.slice(7)).toEqual(["del eth0"]);
    expect(statusWriter.written).toEqual([]);
    expect(await stores.store.load("c1")).toEqual({ state: "missing" });
  });

  it("a secondary refused before its plugin ran is not rolled back; the ones that ran are", async () => {
    const refused = new CniError({ kind: "plugin-not-found", code: 7, msg: "no ptp", plugin: "ptp" });
    const { runtime } = timedRuntime({}, (c) => (c.op === "add" && c.ifName === "data0" ? refused : undefined));
    const { svc } = service(runtime);
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.context.network).toBe("default/ptp-conf");
    const dels = runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName);
    expect([...dels.slice(0, 2)].sort()).toEqual(["net1", "net3"]);
    expect(dels.slice(2)).toEqual(["eth0"]);
  });

  it("runs no secondary when the cluster network fails", async () => {
    const { runtime } = timedRuntime({}, (c) =>
      c.op === "add" && c.ifName === "eth0" ? pluginFailure("bridge", 11, "busy") : undefined,
    );
    const { svc } = service(runtime);
    await rejection(svc.attach(request(), ctx()));
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["add eth0", "del eth0"]);
  });

  it(`the pod's ${SERIAL_NETWORKS_ANNOTATION}: "true" runs them one after another, and its DEL too (from the saved plan)`, async () => {
    const { runtime, log, maxInFlight } = timedRuntime();
    const { svc } = service(runtime);
    await svc.attach(request({ annotations: { [SERIAL_NETWORKS_ANNOTATION]: "true" } }), ctx());
    expect((await saved()).plan.serialNetworks).toBe(true);
    expect(maxInFlight.add).toBe(1);
    log.length = 0;
    await svc.detach({ containerId: "c1" }, ctx());
    expect(maxInFlight.del).toBe(1);
    expect(log.filter((l) => l.startsWith("start"))).toEqual([
      "start del net3",
      "start del data0",
      "start del net1",
      "start del eth0",
    ]);
  });

  it(`refuses a ${SERIAL_NETWORKS_ANNOTATION} value other than "true"/"false" with INVALID_ANNOTATION, before anything runs or is saved`, async () => {
    const { runtime } = timedRuntime();
    const { svc } = service(runtime);
    const err = await rejection(svc.attach(request({ annotations: { [SERIAL_NETWORKS_ANNOTATION]: "yes" } }), ctx()));
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message).toBe(`${SERIAL_NETWORKS_ANNOTATION}: expected "true" or "false", got "yes"`);
    expect(runtime.calls).toEqual([]);
    expect(await stores.store.load("c1")).toEqual({ state: "missing" });
  });

  it("never runs more delegates at once than maxConcurrent, across calls", async () => {
    const { runtime, maxInFlight } = timedRuntime();
    const { svc } = service(runtime, { limits: { maxConcurrent: 2, callTimeoutMs: 60_000 } });
    await Promise.all(["c1", "c2", "c3"].map((id) => svc.attach(request({ containerId: id }), ctx())));
    // Two calls hold the two call slots; their delegates share the bound of 2.
    expect(maxInFlight.add).toBe(2);
    expect(runtime.calls.filter((c) => c.op === "add")).toHaveLength(12);
  });

  it("saves once per stage, one write at a time: the plan, the cluster network's result, then all secondaries' with phase attached", async () => {
    const writes: string[] = [];
    let active = 0;
    let overlapped = false;
    const store: AttachmentStore = {
      ...stores.store,
      async save(r) {
        if (++active > 1) overlapped = true;
        writes.push(`${r.phase}:${Object.keys(r.results).join(",")}`);
        await stores.store.save(r);
        active--;
      },
    };
    const { runtime } = timedRuntime({ net1: 20 });
    const { svc } = service(runtime, { store });
    await svc.attach(request(), ctx());
    expect(writes).toEqual(["attaching:", "attaching:eth0", "attached:eth0,net1,data0,net3"]);
    expect(overlapped).toBe(false);
    expect((await saved()).phase).toBe("attached");
  });
});
