// Hot-plug on the service with a recording runtime: serialised with a full DEL of the sandbox, a
// hot-unplug whose plugin cannot DEL orphans that delegate alone, and one cut short keeps it saved.
import { describe, expect, it, vi } from "vitest";
import { CniError } from "../cni/index.js";
import type { NetworkResolver, ResolvedNetwork } from "../resolve/types.js";
import { createAttachmentService } from "./create-attachment-service.js";
import {
  allPluginsFound,
  anyNetns,
  conf,
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
  type RuntimeCall,
} from "./testing.test-helper.js";

const stores = tempStore("hotplug-");
const ctx = (signal = new AbortController().signal) => ({ signal, log: silentLog });
const cluster = network("cluster", "cbr0", conf("cbr0", "bridge"));
const known: Record<string, ResolvedNetwork> = {
  blue: network("selected", "default/blue", conf("blue", "macvlan")),
  green: network("selected", "default/green", conf("green", "ptp")),
};

/** The cluster network, then each selection by name (as the real resolver orders them). */
const resolver: NetworkResolver = {
  resolve: async (q) => [
    cluster,
    ...(q.selections ?? [{ name: "blue" }]).map((s) => ({
      ...known[s.name]!,
      selection: { ...known[s.name]!.selection, ...s },
    })),
  ],
  resolveClusterNetwork: async () => cluster,
  resolveSelection: async (q) => ({ ...known[q.selection.name]!, selection: { ...known[q.selection.name]!.selection, ...q.selection } }),
};

function service(
  runtime: ReturnType<typeof recordingRuntime>,
  extra: { links?: ReturnType<typeof recordingLinks> } = {},
) {
  const events = recordingEvents();
  const statusWriter = recordingStatusWriter();
  const svc = createAttachmentService({
    runtime,
    resolver,
    podSource: noClusterPods,
    statusWriter,
    store: stores.store,
    orphans: stores.orphans,
    links: extra.links ?? recordingLinks(),
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    events,
  });
  return { svc, events, statusWriter };
}

const ifNames = async (id = "c1") => {
  const read = await stores.store.load(id);
  return read.state === "found" ? read.record.plan.delegates.map((d) => d.ifName) : read.state;
};

describe("hot-plug", () => {
  it("is serialised with the sandbox's DEL: a DEL arriving mid hot-plug waits, then removes the hot-plugged interface too", async () => {
    let release!: () => void;
    const parked = new Promise<void>((r) => (release = r));
    const runtime = recordingRuntime(undefined, async (call: RuntimeCall) => {
      if (call.op === "add" && call.network === "green") await parked;
    });
    const { svc } = service(runtime);
    await svc.attach(request(), ctx());
    const plugging = svc.attachNetwork({ containerId: "c1", selection: { name: "green" } }, ctx());
    // The hot-plug holds the container's lock once its ADD is parked in the plugin.
    await vi.waitFor(() => expect(runtime.calls.some((c) => c.op === "add" && c.network === "green")).toBe(true));
    const deleting = svc.detach({ containerId: "c1" }, ctx());
    await new Promise((r) => setTimeout(r, 20));
    expect(runtime.calls.filter((c) => c.op === "del")).toEqual([]);
    release();
    expect((await plugging).attached.ifName).toBe("net2");
    expect((await deleting).removed.map((r) => r.ifName)).toEqual(["net2", "net1", "eth0"]);
    expect(await ifNames()).toBe("missing");
  });

  it("a hot-unplug whose plugin fails its DEL retryably orphans that delegate alone; the sandbox stays attached with the rest", async () => {
    const runtime = recordingRuntime((c) =>
      c.op === "del" && c.network === "blue" ? pluginFailure("macvlan", 11, "busy") : undefined,
    );
    const { svc, events, statusWriter } = service(runtime);
    await svc.attach(request(), ctx());
    const res = await svc.detachNetwork({ containerId: "c1", ifName: "net1" }, ctx());
    expect(res.removed).toEqual([]);
    expect(res.orphaned).toEqual([expect.objectContaining({ network: "default/blue", ifName: "net1" })]);
    expect(await ifNames()).toEqual(["eth0"]);
    expect((await stores.store.load("c1")).state === "found" && (await stores.store.load("c1"))).toMatchObject({
      record: { phase: "attached" },
    });
    const orphan = await stores.orphans.load("c1");
    expect(orphan.state === "found" ? orphan.record.plan.delegates.map((d) => d.ifName) : orphan.state).toEqual([
      "net1",
    ]);
    expect(statusWriter.written.at(-1)!.map((s) => s.interface)).toEqual(["eth0"]);
    expect(events.events.filter((e) => e.kind === "hotplug-detach")).toEqual([
      expect.objectContaining({ outcome: "partial", network: "default/blue", ifName: "net1" }),
    ]);
  });

  it("a hot-unplug cut short keeps the delegate saved (DETACH_INCOMPLETE) for a retry or the sandbox's DEL", async () => {
    const ac = new AbortController();
    const runtime = recordingRuntime(
      (c) =>
        c.op === "del" && ac.signal.aborted ? new CniError({ kind: "aborted", code: 11, msg: "cancelled" }) : undefined,
      async (c) => {
        if (c.op === "del") ac.abort(new Error("caller went away"));
      },
    );
    const { svc } = service(runtime);
    await svc.attach(request(), ctx());
    const err = await rejection(svc.detachNetwork({ containerId: "c1", ifName: "net1" }, ctx(ac.signal)));
    expect(err.code).toBe("DETACH_INCOMPLETE");
    expect(await ifNames()).toEqual(["eth0", "net1"]);
  });

  it("applyNetworkChanges names each failed step by its index in the request, so a caller knows what is applied", async () => {
    const runtime = recordingRuntime((c) =>
      c.op === "add" && c.network === "green" ? pluginFailure("ptp", 11, "no addresses") : undefined,
    );
    const { svc } = service(runtime);
    await svc.attach(request(), ctx());
    const outcome = await svc.applyNetworkChanges(
      {
        containerId: "c1",
        pod: request().pod,
        detach: [{ ifName: "net1" }, { ifName: "net9" }],
        attach: [{ name: "green" }, { name: "blue", interface: "data1" }],
      },
      ctx(),
    );
    expect(outcome.removed.map((r) => r.ifName)).toEqual(["net1"]);
    expect(outcome.attached.map((i) => i.ifName)).toEqual(["data1"]);
    expect(outcome.failures).toEqual([
      expect.objectContaining({ step: "detach net9", reason: "ATTACHMENT_NOT_FOUND", detach: 1 }),
      expect.objectContaining({ step: "attach default/green", reason: "PLUGIN_FAILED", attach: 0 }),
    ]);
    expect(await ifNames()).toEqual(["eth0", "data1"]);
  });
});
