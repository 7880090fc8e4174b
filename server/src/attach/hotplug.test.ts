// Hot-plug on the service with a recording runtime: serialised with a full DEL of the sandbox, a
// hot-unplug whose plugin cannot DEL orphans that delegate alone, and one cut short keeps it saved;
// the annotation-driven changes measured against what is attached.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { CniError } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION } from "../resolve/index.js";
import type { NetworkResolver, ResolvedNetwork, SelectionQuery } from "../resolve/types.js";
import type { AttachmentStore } from "./attachment-store.js";
import type { NetworkStatusWriter } from "./ports.js";
import { createAttachmentService } from "./create-attachment-service.js";
import type { DefaultNetworksConfig } from "./default-network-marks.js";
import {
  addResult,
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
  resolveSelection: async (q) => ({
    ...known[q.selection.name]!,
    selection: { ...known[q.selection.name]!.selection, ...q.selection },
  }),
};

function service<W extends NetworkStatusWriter = ReturnType<typeof recordingStatusWriter>>(
  runtime: ReturnType<typeof recordingRuntime>,
  extra: {
    links?: ReturnType<typeof recordingLinks>;
    resolver?: NetworkResolver;
    statusWriter?: W;
    routes?: ReturnType<typeof recordingRoutes>;
    selectionConfig?: DefaultNetworksConfig;
    store?: AttachmentStore;
  } = {},
) {
  const events = recordingEvents();
  const statusWriter = (extra.statusWriter ?? recordingStatusWriter()) as W;
  const svc = createAttachmentService({
    runtime,
    resolver: extra.resolver ?? resolver,
    podSource: noClusterPods,
    statusWriter,
    store: extra.store ?? stores.store,
    orphans: stores.orphans,
    links: extra.links ?? recordingLinks(),
    routes: extra.routes ?? recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    events,
    ...(extra.selectionConfig !== undefined ? { selectionConfig: extra.selectionConfig } : {}),
  });
  return { svc, events, statusWriter };
}

const ifNames = async (id = "c1") => {
  const read = await stores.store.load(id);
  return read.state === "found" ? read.record.plan.delegates.map((d) => d.ifName) : read.state;
};

/** A runtime whose ADD of `network` waits in the plugin until released. */
function parkedAdd(network: string) {
  let release!: () => void;
  const parked = new Promise<void>((r) => (release = r));
  const runtime = recordingRuntime(undefined, async (call: RuntimeCall) => {
    if (call.op === "add" && call.network === network) await parked;
  });
  return { runtime, release };
}

describe("hot-plug", () => {
  it("is serialised with the sandbox's DEL: a DEL arriving mid hot-plug waits, then removes the hot-plugged interface too", async () => {
    const { runtime, release } = parkedAdd("green");
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

  it("the sandbox's DEL cancels a hot-unplug whose plugin hangs rather than wait out its deadline, then removes everything", async () => {
    // blue's first DEL hangs until its run is cancelled; the sandbox's DEL of it then works.
    let hung = false;
    const runtime = recordingRuntime(
      (c) =>
        c.op === "del" && c.opts?.signal?.aborted === true
          ? new CniError({ kind: "aborted", code: 11, msg: "killed", plugin: "macvlan", command: "DEL" })
          : undefined,
      async (c) => {
        if (c.op !== "del" || c.network !== "blue" || hung) return;
        hung = true;
        const signal = c.opts!.signal!;
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
    );
    const { svc } = service(runtime);
    await svc.attach(request(), ctx()); // eth0, net1 (blue); the service's callTimeoutMs is 60 s
    const unplugging = rejection(svc.detachNetwork({ containerId: "c1", ifName: "net1" }, ctx()));
    await vi.waitFor(() => expect(hung).toBe(true));
    const deleting = svc.detach({ containerId: "c1" }, ctx());
    const err = await unplugging;
    expect(err.message).toMatch(/^cancelled by the DEL of sandbox c1, which removes every interface: /);
    await deleting;
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

  it("a hot-unplug the daemon died in (its plugin's DEL cut off) is finished at the next start, and network-status no longer lists it", async () => {
    // The first daemon's DEL of blue never returns: it is dead from there on.
    const dying = recordingRuntime(undefined, (c) =>
      c.op === "del" ? new Promise<void>(() => undefined) : Promise.resolve(),
    );
    const { svc } = service(dying);
    await svc.attach(request(), ctx()); // eth0, net1 (blue)
    void svc.detachNetwork({ containerId: "c1", ifName: "net1" }, ctx());
    await vi.waitFor(() => expect(dying.calls.some((c) => c.op === "del" && c.ifName === "net1")).toBe(true));
    // Saved before the DEL ran: net1 holds no result, so nothing lists addresses its IPAM may have released.
    const [listed] = (await svc.list({ containerId: "c1" }, ctx())).attachments;
    expect(listed!.interfaces.map((i) => [i.ifName, i.ips.length])).toEqual([
      ["eth0", 1],
      ["net1", 0],
    ]);

    const runtime = recordingRuntime();
    const { svc: restarted, statusWriter } = service(runtime);
    await expect(restarted.rollBackUnfinished(ctx())).resolves.toEqual(["c1"]);
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["del net1"]);
    expect(await ifNames()).toEqual(["eth0"]);
    expect(statusWriter.written.map((w) => w.map((s) => s.interface))).toEqual([["eth0"]]);
  });

  it("a hot-plug the daemon died in after its plugin ran, before network-status was written, is taken off at the next start", async () => {
    // The first daemon's network-status PATCH for the hot-plug never returns: it is dead from there on.
    let patching = false;
    const hung: NetworkStatusWriter = {
      write: async (_pod, status) => {
        if (status.length < 3) return;
        patching = true;
        await new Promise<void>(() => undefined);
      },
    };
    const { svc } = service(recordingRuntime(), { statusWriter: hung });
    await svc.attach(request(), ctx()); // eth0, net1 (blue)
    void svc.attachNetwork({ containerId: "c1", selection: { name: "green" } }, ctx());
    await vi.waitFor(() => expect(patching).toBe(true));
    // The status never listed net2; the record must not say it is attached either.
    const runtime = recordingRuntime();
    const { svc: restarted, statusWriter } = service(runtime);
    await expect(restarted.rollBackUnfinished(ctx())).resolves.toEqual(["c1"]);
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["del net2"]);
    expect(await ifNames()).toEqual(["eth0", "net1"]);
    expect(statusWriter.written.map((w) => w.map((s) => s.interface))).toEqual([["eth0", "net1"]]);
  });

  it("a detach naming a network without a namespace means the pod's namespace", async () => {
    const { svc } = service(recordingRuntime());
    await svc.attach(request(), ctx());
    const res = await svc.detachNetwork({ containerId: "c1", network: { namespace: "", name: "blue" } }, ctx());
    expect(res.removed).toEqual([{ network: "default/blue", ifName: "net1" }]);
    expect(await ifNames()).toEqual(["eth0"]);
  });

  it("a detach naming an interface and a network refuses an interface of another network, and changes nothing", async () => {
    const runtime = recordingRuntime();
    const { svc } = service(runtime);
    await svc.attach(request(), ctx());
    const err = await rejection(
      svc.detachNetwork({ containerId: "c1", ifName: "net1", network: { namespace: "default", name: "green" } }, ctx()),
    );
    expect(err.code).toBe("ATTACHMENT_NOT_FOUND");
    expect(err.message).toContain(`interface "net1" of network "default/green"`);
    expect(runtime.calls.filter((c) => c.op === "del")).toEqual([]);
    expect(await ifNames()).toEqual(["eth0", "net1"]);
    await svc.detachNetwork(
      { containerId: "c1", ifName: "net1", network: { namespace: "default", name: "blue" } },
      ctx(),
    );
    expect(await ifNames()).toEqual(["eth0"]);
  });

  it("refuses a hot-plug onto an interface name a link of the pod already has (INTERFACE_CONFLICT): nothing runs, that link stays", async () => {
    const runtime = recordingRuntime();
    let inNetns = ["lo"];
    const links = recordingLinks(undefined, () => new Map(inNetns.map((n) => [n, ""])));
    const { svc, statusWriter } = service(runtime, { links });
    await svc.attach(request(), ctx());
    // eth0 and net1 are the sandbox's own (saved); net7 was made by someone else.
    inNetns = ["lo", "eth0", "net1", "net7"];
    runtime.calls.length = 0;
    const written = statusWriter.written.length;
    const err = await rejection(
      svc.attachNetwork({ containerId: "c1", selection: { name: "green", interface: "net7" } }, ctx()),
    );
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain(
      `network "default/green" would create interface "net7" in netns "/var/run/netns/test", which already has a link named "net7" that netattach did not create: its interface name (request selections: element 1 ("green"))`,
    );
    expect(err.context).toMatchObject({ network: "default/green", ifName: "net7", phase: "preflight" });
    expect(runtime.calls).toEqual([]);
    expect(links.removed).toEqual([]);
    expect(statusWriter.written.length).toBe(written);
    expect(await ifNames()).toEqual(["eth0", "net1"]);
    // The sandbox's own interfaces are no conflict: a free name is hot-plugged.
    expect((await svc.attachNetwork({ containerId: "c1", selection: { name: "green" } }, ctx())).attached.ifName).toBe(
      "net2",
    );
  });

  it.each([
    ["the new route cannot be set", "route"],
    ["network-status cannot be written after it was set", "status"],
  ])("a hot-plug rolled back because %s puts the pod's default routes back as they were", async (_, failing) => {
    const routes = recordingRoutes([
      { family: 4, dev: "eth0", gateway: "10.0.1.1" },
      { family: 6, dev: "eth0", gateway: "fd51::1" },
    ]);
    const replace = routes.replaceDefaultRoute.bind(routes);
    routes.replaceDefaultRoute = async (netns, family, dev, gateway, opts) => {
      if (failing === "route" && dev === "net1") throw new Error("RTNETLINK answers: Nexthop has invalid gateway");
      return replace(netns, family, dev, gateway, opts);
    };
    let statusFails = false;
    const statusWriter = {
      write: async () => {
        if (statusFails) throw new Error("API server said no");
      },
    };
    const runtime = recordingRuntime();
    const { svc } = service(runtime, { routes, statusWriter });
    await svc.attach(request({ selections: [] }), ctx()); // eth0, default via 10.0.1.1 (its result's)
    statusFails = failing === "status";
    const err = await rejection(
      svc.attachNetwork({ containerId: "c1", selection: { name: "green", defaultRoute: ["10.0.2.254"] } }, ctx()),
    );
    expect(err.code).toBe(failing === "route" ? "DEFAULT_ROUTE_FAILED" : "STATUS_WRITE_FAILED");
    expect(err.message).toMatch(/\(rolled back: 1 delegate deleted\)$/);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName)).toEqual(["net1"]);
    expect(routes.table.filter((r) => r.dev !== "net1")).toEqual([
      { family: 6, dev: "eth0", gateway: "fd51::1" },
      { family: 4, dev: "eth0", gateway: "10.0.1.1" },
    ]);
    expect(routes.ops.at(-1)).toBe("replace -4 10.0.1.1 eth0");
    const [listed] = (await svc.list({}, ctx())).attachments;
    expect(listed!.interfaces.map((i) => [i.ifName, i.gateways])).toEqual([["eth0", ["10.0.1.1"]]]);
  });

  it("a hot-plug rollback that cannot update the store still puts the pod's default routes back", async () => {
    const routes = recordingRoutes([{ family: 4, dev: "eth0", gateway: "10.0.1.1" }]);
    let storeDown = false;
    const replace = routes.replaceDefaultRoute.bind(routes);
    routes.replaceDefaultRoute = async (netns, family, dev, gateway, opts) => {
      if (dev === "net1") {
        storeDown = true;
        throw new Error("RTNETLINK answers: Nexthop has invalid gateway");
      }
      return replace(netns, family, dev, gateway, opts);
    };
    const store: AttachmentStore = {
      ...stores.store,
      save: (r) => (storeDown ? Promise.reject(new Error("EIO: i/o error")) : stores.store.save(r)),
    };
    const { svc } = service(recordingRuntime(), { routes, store });
    await svc.attach(request({ selections: [] }), ctx());
    const err = await rejection(
      svc.attachNetwork({ containerId: "c1", selection: { name: "green", defaultRoute: ["10.0.2.254"] } }, ctx()),
    );
    expect(err.message).toContain("rollback could not update the attachment store: EIO: i/o error");
    expect(routes.table.filter((r) => r.dev !== "net1")).toEqual([{ family: 4, dev: "eth0", gateway: "10.0.1.1" }]);
    expect(routes.ops.at(-1)).toBe("replace -4 10.0.1.1 eth0");
  });

  it("a rolled-back hot-plug whose default routes cannot be put back says so in its error", async () => {
    const routes = recordingRoutes([{ family: 4, dev: "eth0", gateway: "10.0.1.1" }]);
    routes.replaceDefaultRoute = async () => Promise.reject(new Error("RTNETLINK answers: No route to host"));
    const { svc } = service(recordingRuntime(), { routes });
    await svc.attach(request({ selections: [] }), ctx());
    const err = await rejection(
      svc.attachNetwork({ containerId: "c1", selection: { name: "green", defaultRoute: ["10.0.2.254"] } }, ctx()),
    );
    expect(err.code).toBe("DEFAULT_ROUTE_FAILED");
    expect(err.message).toMatch(
      /\(rolled back: 1 delegate deleted; the pod's default routes were not restored: default-route: cannot restore default via 10\.0\.1\.1 dev eth0 after rolling back default\/green \(net1\) for network "cbr0": RTNETLINK answers: No route to host\)$/,
    );
  });

  // A default route with no gw is via the address's gateway (bridge + host-local `routes: [{dst: "0.0.0.0/0"}]`).
  it.each([
    ["its route's gw", undefined],
    ["its address's gateway", { dst: "0.0.0.0/0" }],
  ])(
    "hot-unplugging the network that took the default route gives it back to the interface that had it (%s)",
    async (_, route) => {
      const routes = recordingRoutes([{ family: 4, dev: "eth0", gateway: "10.0.1.1" }]);
      const runtime = recordingRuntime();
      const add = runtime.addNetworkList.bind(runtime);
      runtime.addNetworkList = async (list, rt, opts) => {
        const result = await add(list, rt, opts);
        return route !== undefined && list.name === "cbr0" ? { ...result, routes: [route] } : result;
      };
      const { svc } = service(runtime, { routes });
      await svc.attach(request({ selections: [] }), ctx()); // eth0, default via 10.0.1.1 (its result's)
      await svc.attachNetwork(
        { containerId: "c1", selection: { name: "green", interface: "d1", defaultRoute: ["10.0.2.254"] } },
        ctx(),
      );
      expect(routes.table).toEqual([{ family: 4, dev: "d1", gateway: "10.0.2.254" }]);
      routes.table.splice(0); // the kernel drops d1's routes with d1
      await svc.detachNetwork({ containerId: "c1", ifName: "d1" }, ctx());
      expect(routes.table).toEqual([{ family: 4, dev: "eth0", gateway: "10.0.1.1" }]);
    },
  );
});

describe("applyNetworkChanges (the annotation-driven hot-plug)", () => {
  const changes = (...names: Array<string | [string, string]>) => ({
    containerId: "c1",
    pod: request().pod,
    selections: names.map((n) =>
      typeof n === "string" ? { name: n, namespace: "default" } : { name: n[0], namespace: "default", interface: n[1] },
    ),
    source: NETWORKS_ANNOTATION,
  });

  it("reports each failed step and runs the others; the steps are measured against what is attached", async () => {
    const runtime = recordingRuntime((c) =>
      c.op === "add" && c.network === "green" ? pluginFailure("ptp", 11, "no addresses") : undefined,
    );
    const { svc } = service(runtime);
    await svc.attach(request(), ctx()); // eth0, net1 (blue)
    const outcome = await svc.applyNetworkChanges(changes("green", ["blue", "data1"]), ctx());
    expect(outcome.removed.map((r) => r.ifName)).toEqual(["net1"]);
    expect(outcome.attached.map((i) => i.ifName)).toEqual(["data1"]);
    expect(outcome.failures).toEqual([
      expect.objectContaining({ step: "attach default/green", reason: "PLUGIN_FAILED" }),
    ]);
    expect(await ifNames()).toEqual(["eth0", "data1"]);
    // The failed step is retried by the next change, since green is still not attached.
    const again = await svc.applyNetworkChanges(changes("green", ["blue", "data1"]), ctx());
    expect(again.failures.map((f) => f.step)).toEqual(["attach default/green"]);
  });

  it("a network selected twice can be removed one element at a time, then altogether", async () => {
    const { svc } = service(recordingRuntime());
    await svc.attach(request(), ctx());
    await svc.applyNetworkChanges(changes("blue", "blue"), ctx());
    expect(await ifNames()).toEqual(["eth0", "net1", "net2"]);
    const one = await svc.applyNetworkChanges(changes("blue"), ctx());
    expect([one.removed, one.failures]).toEqual([[{ network: "default/blue", ifName: "net2" }], []]);
    const none = await svc.applyNetworkChanges(changes(), ctx());
    expect([none.removed, none.failures]).toEqual([[{ network: "default/blue", ifName: "net1" }], []]);
    expect(await ifNames()).toEqual(["eth0"]);
  });

  it("an equivalent value (the interface the network already has) changes nothing and writes nothing", async () => {
    const runtime = recordingRuntime();
    const { svc, statusWriter } = service(runtime);
    await svc.attach(request(), ctx());
    const calls = runtime.calls.length;
    const writes = statusWriter.written.length;
    expect(await svc.applyNetworkChanges(changes(["blue", "net1"]), ctx())).toEqual({
      attached: [],
      removed: [],
      failures: [],
    });
    expect([runtime.calls.length, statusWriter.written.length]).toEqual([calls, writes]);
  });

  it("a change arriving while the runtime's ADD runs waits for it and is applied to what the ADD attached", async () => {
    const { runtime, release } = parkedAdd("cbr0");
    const { svc } = service(runtime);
    const adding = svc.attach(request(), ctx()); // attaches blue (the value before the change)
    await vi.waitFor(() => expect(runtime.calls.some((c) => c.op === "add")).toBe(true));
    const applying = svc.applyNetworkChanges(changes("blue", ["green", "s0"]), ctx());
    release();
    await adding;
    expect((await applying).attached.map((i) => i.ifName)).toEqual(["s0"]);
    expect(await ifNames()).toEqual(["eth0", "net1", "s0"]);
  });

  it("a change the daemon died in after its first addition: the next start takes off the unfinished one and network-status lists the first", async () => {
    const dying = recordingRuntime(undefined, (c) =>
      c.op === "add" && c.network === "green" ? new Promise<void>(() => undefined) : Promise.resolve(),
    );
    const { svc, statusWriter: before } = service(dying);
    await svc.attach(request({ selections: [] }), ctx()); // eth0 alone
    void svc.applyNetworkChanges(changes("blue", "green"), ctx());
    await vi.waitFor(() => expect(dying.calls.some((c) => c.op === "add" && c.network === "green")).toBe(true));
    expect(before.written.map((w) => w.map((s) => s.interface))).toEqual([["eth0"]]);

    const { svc: restarted, statusWriter } = service(recordingRuntime());
    await expect(restarted.rollBackUnfinished(ctx())).resolves.toEqual(["c1"]);
    expect(await ifNames()).toEqual(["eth0", "net1"]);
    expect(statusWriter.written.map((w) => w.map((s) => s.interface))).toEqual([["eth0", "net1"]]);
  });

  it("names the annotation and the element's position when it resolves the new network", async () => {
    const asked: SelectionQuery[] = [];
    const { svc } = service(recordingRuntime(), {
      resolver: { ...resolver, resolveSelection: async (q) => (asked.push(q), resolver.resolveSelection(q)) },
    });
    await svc.attach(request(), ctx());
    await svc.applyNetworkChanges(changes("blue", "green"), ctx());
    expect(asked.map((q) => q.place)).toEqual([{ source: NETWORKS_ANNOTATION, index: 2 }]);
  });

  it("a network-status write that fails (statusFailurePolicy fail) takes the additions off again, as AttachNetwork does", async () => {
    const runtime = recordingRuntime();
    let failing = false;
    const statusWriter = {
      written: [] as unknown[],
      write: async (_pod: unknown, status: unknown) => {
        if (failing) throw new DaemonError("STATUS_WRITE_FAILED", "writing network-status failed: 403", {});
        statusWriter.written.push(status);
      },
    };
    const { svc, events } = service(runtime, { statusWriter });
    await svc.attach(request(), ctx());
    failing = true;
    const outcome = await svc.applyNetworkChanges(changes("blue", ["green", "s0"]), ctx());
    expect(outcome.attached).toEqual([]);
    expect(outcome.failures).toEqual([
      expect.objectContaining({ step: "attach default/green@s0", reason: "STATUS_WRITE_FAILED" }),
    ]);
    expect(outcome.failures[0]!.message).toContain("s0 rolled back");
    expect(await ifNames()).toEqual(["eth0", "net1"]);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName)).toEqual(["s0"]);
    expect(events.events.filter((e) => e.kind === "hotplug-attach").map((e) => e.outcome)).toEqual(["failed"]);
    // Once the API answers again, the same value attaches it (nothing remembers the failure).
    failing = false;
    expect(
      (await svc.applyNetworkChanges(changes("blue", ["green", "s0"]), ctx())).attached.map((i) => i.ifName),
    ).toEqual(["s0"]);
  });
});

describe("applyNetworkChanges on an attachment saved by an older netattachd (no defaultNetworks marker)", () => {
  const NETNS = "/var/run/netns/test";
  const nad = (namespace: string, name: string) => ({
    kind: "network-attachment-definition",
    namespace,
    name,
    configFrom: "spec.config",
  });
  const delegate = (network: string, ifName: string, type: string, origin: object, isDefault = false) => ({
    network,
    ifName,
    isDefault,
    config: { cniVersion: "1.0.0", name: network.split("/").at(-1), plugins: [{ type }] },
    capabilityArgs: {},
    cniArgs: [["IgnoreUnknown", "1"]],
    origin,
  });
  /** The record file exactly as a netattachd before the marker wrote it: version 1, no marker anywhere. */
  async function writeOldRecord(delegates: Array<ReturnType<typeof delegate>>): Promise<string> {
    const path = join(stores.dir, "attachments", "c1.json");
    await mkdir(join(stores.dir, "attachments"), { recursive: true });
    const record = {
      version: 1,
      plan: { containerId: "c1", netns: NETNS, pod: request().pod, primaryIfName: "eth0", delegates },
      results: Object.fromEntries(delegates.map((d, i) => [d.ifName, addResult("1.0.0", d.ifName, NETNS, i + 1)])),
      phase: "attached",
      netnsId: `ns:${NETNS}`,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    await writeFile(path, JSON.stringify(record, null, 2) + "\n");
    return path;
  }
  const config: DefaultNetworksConfig = {
    defaultNetworks: ["extra", "infra"],
    defaultNamespace: "kube-system",
    systemNamespaces: ["kube-system"],
  };
  const clusterDelegate = delegate(
    "cbr0",
    "eth0",
    "bridge",
    { kind: "conf-file", path: "/etc/cni/net.d/cbr0.conf" },
    true,
  );
  const none = { containerId: "c1", pod: request().pod, selections: [], source: NETWORKS_ANNOTATION };

  it("an edit listing none of the pod's networks removes only its own selections: conf-file and configured defaultNetworks stay", async () => {
    await writeOldRecord([
      clusterDelegate,
      // defaultNetworks "extra", found in the conf dir: the record says it (a selection is never a conf file).
      delegate("extra", "net1", "macvlan", { kind: "conf-file", path: "/etc/cni/net.d/extra.conf" }),
      // defaultNetworks "infra", a definition in the default namespace: the daemon's config says it.
      delegate("kube-system/infra", "net2", "macvlan", nad("kube-system", "infra")),
      delegate("default/blue", "net3", "macvlan", nad("default", "blue")),
    ]);
    const runtime = recordingRuntime();
    const { svc } = service(runtime, { selectionConfig: config });
    const outcome = await svc.applyNetworkChanges(none, ctx());
    expect([outcome.removed, outcome.failures]).toEqual([[{ network: "default/blue", ifName: "net3" }], []]);
    expect(await ifNames()).toEqual(["eth0", "net1", "net2"]);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName)).toEqual(["net3"]);
    // Nothing else to do: the same value again changes nothing.
    expect((await svc.applyNetworkChanges(none, ctx())).removed).toEqual([]);
  });

  it("a pod that also selected a defaultNetworks network keeps the default one and can drop its own; a hot-plug saves the marks", async () => {
    const path = await writeOldRecord([
      clusterDelegate,
      delegate("kube-system/infra", "net1", "macvlan", nad("kube-system", "infra")),
      delegate("kube-system/infra", "net2", "macvlan", nad("kube-system", "infra")),
    ]);
    const { svc } = service(recordingRuntime(), { selectionConfig: config });
    const outcome = await svc.applyNetworkChanges(
      { ...none, selections: [{ name: "green", namespace: "default" }] },
      ctx(),
    );
    expect(outcome.removed).toEqual([{ network: "kube-system/infra", ifName: "net2" }]);
    expect(outcome.attached.map((i) => i.ifName)).toEqual(["net2"]);
    const saved = JSON.parse(await readFile(path, "utf8")) as {
      plan: { defaultNetworksMarked?: true; delegates: Array<{ ifName: string; fromDefaultNetworks?: true }> };
    };
    expect(saved.plan.defaultNetworksMarked).toBe(true);
    expect(saved.plan.delegates.map((d) => [d.ifName, d.fromDefaultNetworks ?? false])).toEqual([
      ["eth0", false],
      ["net1", true],
      ["net2", false],
    ]);
    expect((await svc.applyNetworkChanges(none, ctx())).removed.map((r) => r.ifName)).toEqual(["net2"]);
    expect(await ifNames()).toEqual(["eth0", "net1"]);
  });
});
