import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { PodSource } from "../resolve/index.js";
import type { AttachmentStore } from "./attachment-store.js";
import { createAttachmentService, type AttachmentServiceDeps } from "./create-attachment-service.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";
import { guardFromInspect } from "../netns/netns-guard.test-helper.js";
import {
  allPluginsFound,
  anyNetns,
  conf,
  conflist,
  fakeResolver,
  network,
  noClusterPods,
  pluginFailure,
  recordingRoutes,
  recordingRuntime,
  recordingStatusWriter,
  request,
  silentLog,
  type FailRule,
  rejection,
  recordingEvents,
  recordingLinks,
} from "./testing.test-helper.js";

let dir: string;
let store: AttachmentStore;
let orphans: AttachmentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "attach-"));
  store = createFileAttachmentStore(join(dir, "attachments"));
  orphans = createFileAttachmentStore(join(dir, "orphans"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const cluster = network(
  "cluster",
  "cbr0",
  conflist("cbr0", [{ type: "bridge" }, { type: "portmap", capabilities: { portMappings: true } }]),
);
const macvlan = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"));
const ptp = network("selected", "default/ptp-conf", conf("ptp-conf", "ptp"), { interface: "data0" });

function service(fail?: FailRule, over: Partial<AttachmentServiceDeps> = {}) {
  const runtime = recordingRuntime(fail);
  const links = recordingLinks();
  const events = recordingEvents();
  const resolver = fakeResolver([cluster, macvlan, ptp]);
  const statusWriter = recordingStatusWriter();
  const routes = recordingRoutes();
  const svc = createAttachmentService({
    runtime,
    resolver,
    podSource: noClusterPods,
    statusWriter,
    store,
    orphans,
    links,
    events,
    routes,
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    now: () => new Date("2026-03-01T10:00:00Z"),
    ...over,
  });
  return { svc, runtime, resolver, statusWriter, routes, links, events };
}

const ops = (calls: ReadonlyArray<{ op: string; network: string; ifName?: string }>) =>
  calls.map((c) => `${c.op} ${c.network} ${c.ifName ?? ""}`.trim());

describe("attach", () => {
  it("adds every delegate in order and answers with interfaces, the primary result and network-status", async () => {
    const { svc, runtime, statusWriter } = service();
    const res = await svc.attach(request(), ctx());
    expect(ops(runtime.calls)).toEqual(["add cbr0 eth0", "add macvlan-conf net1", "add ptp-conf data0"]);
    expect(runtime.calls.every((c) => c.netns === "/var/run/netns/test" && c.rt?.containerId === "c1")).toBe(true);
    expect(res.interfaces.map((i) => [i.network, i.ifName, i.isDefault, i.ips, i.mac, i.gateways])).toEqual([
      ["cbr0", "eth0", true, [{ address: "10.0.1.2/24", gateway: "10.0.1.1" }], "02:00:00:00:00:01", ["10.0.1.1"]],
      [
        "default/macvlan-conf",
        "net1",
        false,
        [{ address: "10.0.2.2/24", gateway: "10.0.2.1" }],
        "02:00:00:00:00:02",
        ["10.0.2.1"],
      ],
      [
        "default/ptp-conf",
        "data0",
        false,
        [{ address: "10.0.3.2/24", gateway: "10.0.3.1" }],
        "02:00:00:00:00:03",
        ["10.0.3.1"],
      ],
    ]);
    expect(res.primaryResult).toMatchObject({ cniVersion: "1.0.0", ips: [{ address: "10.0.1.2/24" }] });
    expect(res.networkStatus[0]).toEqual({
      name: "cbr0",
      interface: "eth0",
      ips: ["10.0.1.2"],
      mac: "02:00:00:00:00:01",
      mtu: 1500,
      default: true,
      dns: { nameservers: ["10.0.0.10"] },
      gateway: ["10.0.1.1"],
    });
    expect(res.networkStatus.map((s) => [s.name, s.interface, s.default])).toEqual([
      ["cbr0", "eth0", true],
      ["default/macvlan-conf", "net1", false],
      ["default/ptp-conf", "data0", false],
    ]);
    expect(statusWriter.written).toEqual([res.networkStatus]);
    const saved = await store.load("c1");
    expect(saved.state === "found" && saved.record.phase).toBe("attached");
    expect(saved.state === "found" && Object.keys(saved.record.results)).toEqual(["eth0", "net1", "data0"]);
  });

  it("converts the primary result to the version the caller asked for", async () => {
    const { svc } = service();
    const res = await svc.attach(request({ cniVersion: "0.4.0" }), ctx());
    expect(res.primaryResult.cniVersion).toBe("0.4.0");
  });

  it("refuses a result version it cannot answer in before any plugin runs", async () => {
    const { svc, runtime } = service();
    const err = await rejection(svc.attach(request({ cniVersion: "9.9.9" }), ctx()));
    expect([err.code, err.context.source]).toEqual(["INCOMPATIBLE_CNI_VERSION", "cniVersion"]);
    expect(err.message).toContain('cniVersion "9.9.9" is not a CNI version netattachd supports (0.1.0,');
    expect(runtime.calls).toEqual([]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("a result that cannot be converted after the plugins ran is not called a refusal before running", async () => {
    const runtime = recordingRuntime();
    // No IP: a 0.2.0 result has nowhere to say anything.
    const noIp = { ...runtime, addNetworkList: async () => ({ cniVersion: "1.0.0", interfaces: [{ name: "eth0" }] }) };
    const { svc } = service(undefined, { runtime: noIp });
    const err = await rejection(svc.attach(request({ cniVersion: "0.2.0" }), ctx()));
    expect(err.code).toBe("INCOMPATIBLE_CNI_VERSION");
    expect(err.message).toContain(
      'network "cbr0" (eth0): its ADD result (CNI 1.0.0) cannot be given in the requested version 0.2.0',
    );
    expect(err.message).not.toContain("refused before");
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("saves the plan before the first delegate runs and each result after its delegate (serial)", async () => {
    const seen: string[] = [];
    const runtime = recordingRuntime(undefined, async () => {
      const r = await store.load("c1");
      seen.push(r.state === "found" ? `${r.record.phase}:${Object.keys(r.record.results).join(",")}` : r.state);
    });
    const { svc } = service(undefined, { runtime, parallelSecondaries: false });
    await svc.attach(request(), ctx());
    expect(seen).toEqual(["attaching:", "attaching:eth0", "attaching:eth0,net1"]);
  });

  it("keeps results durable in its own store: the runtime's cache is not fsynced", async () => {
    const { svc, runtime } = service();
    await svc.attach(request(), ctx());
    expect(runtime.calls.filter((c) => c.op === "add").map((c) => c.opts?.durableCache)).toEqual([false, false, false]);
  });

  it("lets a slow last save land before the rollback of a failed status write removes the state", async () => {
    let landed: Promise<void> | undefined;
    const slow: AttachmentStore = {
      ...store,
      save: (r) =>
        r.phase !== "attached"
          ? store.save(r)
          : (landed = new Promise<void>((resolve) => setImmediate(resolve)).then(() => store.save(r))),
    };
    const { svc } = service(undefined, { store: slow, statusWriter: recordingStatusWriter(new Error("api down")) });
    expect((await rejection(svc.attach(request(), ctx()))).code).toBe("STATUS_WRITE_FAILED");
    await landed;
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("rolls back in reverse, failing delegate included, removes state and returns the first cause", async () => {
    const { svc, runtime, statusWriter } = service((c) =>
      c.op === "add" && c.ifName === "data0" ? pluginFailure("ptp", 11, "no more addresses") : undefined,
    );
    const err = await rejection(svc.attach(request(), ctx()));
    expect(ops(runtime.calls)).toEqual([
      "add cbr0 eth0",
      "add macvlan-conf net1",
      "add ptp-conf data0",
      "del ptp-conf data0",
      "del macvlan-conf net1",
      "del cbr0 eth0",
    ]);
    expect(err).toBeInstanceOf(DaemonError);
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.message).toContain('network "default/ptp-conf"');
    expect(err.message).toContain('plugin "ptp"');
    expect(err.message).toContain("CNI code 11");
    expect(err.context).toMatchObject({
      network: "default/ptp-conf",
      plugin: "ptp",
      phase: "add",
      cniCode: 11,
      stderr: "boom on stderr",
      ifName: "data0",
    });
    expect(err.cause).toBeDefined();
    expect(await store.load("c1")).toEqual({ state: "missing" });
    expect(statusWriter.written).toEqual([]);
  });

  it("still rolls back when the caller goes away mid-ADD, and reports CANCELLED (serial: later delegates never start)", async () => {
    const runtime = recordingRuntime();
    const add = runtime.addNetworkList.bind(runtime);
    const caller = new AbortController();
    runtime.addNetworkList = async (list, rt, opts) => {
      if (rt.ifName !== "net1") return add(list, rt, opts);
      caller.abort(new Error("shim killed"));
      expect(opts?.signal?.aborted).toBe(true);
      throw new CniError({ kind: "aborted", code: 11, msg: "plugin killed", plugin: "macvlan" });
    };
    const rollbackSignals: boolean[] = [];
    const del = runtime.delNetworkList.bind(runtime);
    runtime.delNetworkList = async (list, rt, opts) => {
      rollbackSignals.push(opts?.signal?.aborted ?? true);
      return del(list, rt, opts);
    };
    const { svc } = service(undefined, { runtime, parallelSecondaries: false });
    const err = await rejection(svc.attach(request(), { signal: caller.signal, log: silentLog }));
    expect(err.code).toBe("CANCELLED");
    expect(err.context.network).toBe("default/macvlan-conf");
    expect(ops(runtime.calls).filter((o) => o.startsWith("del"))).toEqual(["del macvlan-conf net1", "del cbr0 eth0"]);
    expect(rollbackSignals).toEqual([false, false]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("cleans up a delegate whose rollback DEL fails itself (interface, addresses), forgets it, and says so in the error", async () => {
    const { svc, runtime, links, events } = service((c) => {
      if (c.op === "add" && c.ifName === "data0") return pluginFailure("ptp", 7, "bad");
      if (c.op === "del" && c.ifName === "net1") return pluginFailure("macvlan", 999, "Link not found");
      return undefined;
    });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.context.network).toBe("default/ptp-conf");
    expect(err.message).toContain(
      "(rolled back: 2 delegates deleted, 1 cleaned up by netattach after its plugin's DEL failed)",
    );
    expect(ops(runtime.calls)).toEqual([
      "add cbr0 eth0",
      "add macvlan-conf net1",
      "add ptp-conf data0",
      "del ptp-conf data0",
      "del macvlan-conf net1",
      "release macvlan-conf net1",
      "del cbr0 eth0",
    ]);
    expect(links.removed).toEqual(["/var/run/netns/test net1"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
    expect(await orphans.list()).toEqual([]);
    expect(events.events.map((e) => [e.kind, e.outcome, e.network, e.plugin])).toEqual([
      ["orphan", "ok", "default/macvlan-conf", "macvlan"],
      ["rollback", "ok", "default/ptp-conf", "ptp"],
      // The call's own event comes last, naming the delegate that failed.
      ["attach", "failed", "default/ptp-conf", "ptp"],
    ]);
    expect(events.events[0]!.message).toContain("Link not found");
    // The runtime's DEL after the failed ADD has nothing left to do.
    await expect(svc.detach({ containerId: "c1", netns: "" }, ctx())).resolves.toEqual({ removed: [], orphaned: [] });
  });

  it("an IPAM release refused on the config the ADD failed on says the config is broken, names plugin, network and error, and what to do", async () => {
    // bridge/ptp pass their IPAM plugin's error on: the ADD, the plugin's DEL and the release all fail alike.
    const refusal = (plugin: string) => pluginFailure(plugin, 999, "no IP ranges specified");
    const { svc } = service((c) => {
      if (c.ifName !== "data0") return undefined;
      if (c.op === "add" || c.op === "del") return refusal("ptp");
      return c.op === "release" ? refusal("host-local") : undefined;
    });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.message).toContain("no IP ranges specified");
    const [orphan] = (await svc.list({}, ctx())).attachments;
    expect(orphan!.cause).toMatch(
      /^network "default\/ptp-conf" \(data0\) orphaned: addresses could not be released: network "default\/ptp-conf" \(data0\): plugin "host-local" failed on [A-Z]+ with CNI code 999: no IP ranges specified\. /,
    );
    expect(orphan!.cause).toContain(
      'The config itself is broken: IPAM plugin "host-local" refuses network "default/ptp-conf"\'s config (NetworkAttachmentDefinition default/ptp-conf (/nads/ptp-conf.yaml), saved as the ADD ran it) ' +
        "and the ADD failed on the same error, so it reserved no address with this config",
    );
    expect(orphan!.cause).toContain("Fix the network's config for new pods");
    expect(orphan!.cause).toContain("then delete its orphan record (<stateDir>/orphans/c1.json)");
  });

  it("an IPAM release refused with a CNI code that says the config is invalid says so too; any other failure stays plain", async () => {
    const failing = (code: number) =>
      service((c) => {
        if (c.op === "add" && c.ifName === "data0") return pluginFailure("ptp", 999, "Link not found");
        if (c.op === "del" && c.ifName === "net1") return pluginFailure("macvlan", 999, "Link not found");
        return c.op === "release" && c.ifName === "net1"
          ? pluginFailure("host-local", code, "unknown field")
          : undefined;
      });
    const invalid = failing(7).svc;
    await rejection(invalid.attach(request(), ctx()));
    const [orphan] = (await invalid.list({}, ctx())).attachments;
    expect(orphan!.cause).toContain("The config itself is broken");
    expect(orphan!.cause).toContain("its CNI code 7 says the config is invalid");
    await store.remove("c1");
    await orphans.remove("c1");
    const io = failing(5).svc;
    await rejection(io.attach(request(), ctx()));
    const [plain] = (await io.list({}, ctx())).attachments;
    expect(plain!.cause).toMatch(/addresses could not be released: .*unknown field$/);
    expect(plain!.cause).not.toContain("broken");
  });

  it("orphans what rollback cannot release; the ADD error says what is left, and ListAttachments shows it with its cause", async () => {
    const { svc, events } = service((c) => {
      if (c.op === "add" && c.ifName === "data0") return pluginFailure("ptp", 7, "bad");
      if (c.op === "del" && c.ifName === "net1") return pluginFailure("macvlan", 999, "Link not found");
      if (c.op === "release" && c.ifName === "net1") return pluginFailure("host-local", 5, "cannot open store");
      return undefined;
    });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.message).toMatch(
      /\(rollback incomplete: network "default\/macvlan-conf" \(net1\) orphaned: addresses could not be released: .*cannot open store.*; the reconciler retries it\)$/,
    );
    expect(await store.load("c1")).toEqual({ state: "missing" });
    const [orphan] = (await svc.list({}, ctx())).attachments;
    expect(orphan).toMatchObject({
      containerId: "c1",
      phase: "orphaned",
      interfaces: [{ network: "default/macvlan-conf", ifName: "net1", ips: ["10.0.2.2/24"] }],
    });
    expect(orphan!.cause).toContain("addresses could not be released");
    expect(orphan!.history.map((h) => [h.event, h.network, h.plugin, h.reason])).toEqual([
      ["del-failed", "default/macvlan-conf", "macvlan", "PLUGIN_FAILED"],
      ["orphaned", "default/macvlan-conf", "macvlan", "PLUGIN_FAILED"],
    ]);
    expect(events.events.map((e) => [e.kind, e.outcome])).toEqual([
      ["orphan", "failed"],
      ["rollback", "partial"],
      ["attach", "failed"],
    ]);
    await expect(svc.detach({ containerId: "c1", netns: "" }, ctx())).resolves.toEqual({ removed: [], orphaned: [] });
  });

  it("after a runtime-level refusal rolls back only the delegates that ran: no DEL for the one that never did", async () => {
    const refusal = new CniError({
      kind: "plugin-not-found",
      code: 7,
      msg: 'failed to find plugin "ptp" in path [/opt/cni/bin]',
      plugin: "ptp",
    });
    const { svc, runtime } = service((c) => (c.op === "add" && c.ifName === "data0" ? refusal : undefined));
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("PLUGIN_NOT_FOUND");
    expect(err.message).toContain("refused before running");
    expect(err.message).toContain("(rolled back: 2 delegates deleted)");
    expect(ops(runtime.calls)).toEqual([
      "add cbr0 eth0",
      "add macvlan-conf net1",
      "add ptp-conf data0",
      "del macvlan-conf net1",
      "del cbr0 eth0",
    ]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("says nothing was rolled back when the first delegate was refused before running", async () => {
    const refusal = new CniError({
      kind: "incompatible-version",
      code: 1,
      msg: "plugin supports [0.3.1], none compatible with 1.0.0",
      plugin: "bridge",
    });
    const { svc, runtime } = service((c) => (c.op === "add" && c.ifName === "eth0" ? refusal : undefined));
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.message).toContain("(nothing to roll back: no plugin ran)");
    expect(ops(runtime.calls)).toEqual(["add cbr0 eth0"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("rollback removes device-info files, as DEL does", async () => {
    const withDevice = network("selected", "default/sriov", conf("sriov", "host-device"), {}, "intel.com/sriov");
    const deviceInfoDir = join(dir, "devinfo");
    await mkdir(deviceInfoDir);
    const { svc } = service(
      (c) => (c.op === "add" && c.ifName === "data0" ? pluginFailure("ptp", 7, "bad") : undefined),
      {
        resolver: fakeResolver([cluster, withDevice, ptp]),
        planOptions: { deviceInfoDir },
      },
    );
    const plan = await svc.resolve(request(), ctx());
    const file = String(plan.plan.delegates[1]!.capabilityArgs["CNIDeviceInfoFile"]);
    // What a device plugin writes for the delegate before ADD.
    await writeFile(file, JSON.stringify({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:18:02.5" } }));
    await rejection(svc.attach(request(), ctx()));
    expect(existsSync(file)).toBe(false);
  });

  it("rolls back and fails with STATUS_WRITE_FAILED when network-status cannot be written", async () => {
    const { svc, runtime } = service(undefined, {
      statusWriter: recordingStatusWriter(new Error("apiserver said 500")),
    });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("STATUS_WRITE_FAILED");
    expect(err.message).toContain("apiserver said 500");
    expect(ops(runtime.calls).filter((o) => o.startsWith("del"))).toEqual([
      "del ptp-conf data0",
      "del macvlan-conf net1",
      "del cbr0 eth0",
    ]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("runs nothing and saves nothing when planning fails", async () => {
    const bad = network("selected", "default/x", conf("x", "macvlan"), { interface: "eth0" });
    const { svc, runtime } = service(undefined, { resolver: fakeResolver([cluster, bad]) });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(runtime.calls).toEqual([]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("refuses an interface name a link of the netns already has (INTERFACE_CONFLICT): nothing runs, is saved, or deleted", async () => {
    let inNetns = new Map([
      ["lo", "00:00:00:00:00:00"],
      ["net1", "02:99:00:00:00:01"],
    ]);
    const links = recordingLinks(undefined, () => inNetns);
    const { svc, runtime } = service(undefined, { links });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toBe(
      `network "default/macvlan-conf" would create interface "net1" in netns "/var/run/netns/test", which already has a link named "net1" that netattach did not create: ` +
        `its interface name (k8s.v1.cni.cncf.io/networks) must not name an existing link of the pod (its plugin would fail, and the rollback delete that link); choose another interface name or remove the link; refused before running any plugin`,
    );
    expect(err.context).toEqual({
      network: "default/macvlan-conf",
      ifName: "net1",
      phase: "preflight",
      source: "k8s.v1.cni.cncf.io/networks",
    });
    expect(runtime.calls).toEqual([]);
    expect(links.removed).toEqual([]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
    // The namespace was not claimed: once the link is gone, the runtime's retry attaches.
    inNetns = new Map([["lo", "00:00:00:00:00:00"]]);
    await svc.attach(request(), ctx());
  });

  it("refuses a first ADD whose primary interface is taken, naming the runtime's interface name", async () => {
    const links = recordingLinks(undefined, () => new Map([["eth0", "02:99:00:00:00:01"]]));
    const { svc, runtime } = service(undefined, { links });
    const err = await rejection(svc.attach(request(), ctx()));
    expect([err.code, err.context.ifName, err.context.source]).toEqual([
      "INTERFACE_CONFLICT",
      "eth0",
      "primaryInterface",
    ]);
    expect(err.message).toContain("the runtime's interface name (CNI_IFNAME) must not name an existing link");
    expect(runtime.calls).toEqual([]);
  });

  it("refuses an interface name when the pod's links cannot be listed (INVALID_NETNS), running nothing", async () => {
    const links = {
      ...recordingLinks(),
      names: async () => Promise.reject(new Error("nsenter: cannot open /proc/1/fd/9")),
    };
    const { svc, runtime } = service(undefined, { links });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("INVALID_NETNS");
    expect(err.message).toContain("nsenter: cannot open /proc/1/fd/9");
    expect(runtime.calls).toEqual([]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("runs nothing when a plugin binary is missing", async () => {
    const { svc, runtime } = service(undefined, {
      findPlugin: async (t) => (t === "ptp" ? { searched: ["/opt/cni/bin"] } : { found: t }),
    });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("PLUGIN_NOT_FOUND");
    expect(err.context).toMatchObject({ network: "default/ptp-conf", plugin: "ptp" });
    expect(runtime.calls).toEqual([]);
  });

  it("refuses a second ADD for a container that already has an attachment", async () => {
    const { svc } = service();
    await svc.attach(request(), ctx());
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("INVALID_REQUEST");
  });

  it("refuses an ADD into a namespace another container's attachment holds, naming it, and runs nothing", async () => {
    const { svc, runtime } = service();
    const shared = "/var/run/netns/shared";
    await svc.attach(request({ containerId: "first", netns: shared }), ctx());
    runtime.calls.length = 0;
    const err = await rejection(svc.attach(request({ containerId: "second", netns: shared }), ctx()));
    expect(err.code).toBe("INVALID_NETNS");
    expect(err.message).toBe(
      `netns "${shared}" is already attached for container first (pod default/web): a network namespace belongs to one sandbox; DEL that container first`,
    );
    expect(runtime.calls).toEqual([]);
    expect((await store.load("second")).state).toBe("missing");
    // Once the first is gone, the namespace is free.
    await svc.detach({ containerId: "first" }, ctx());
    await svc.attach(request({ containerId: "second", netns: shared }), ctx());
  });

  it("of two ADDs into one namespace at once, one is refused", async () => {
    const { svc } = service();
    const shared = "/var/run/netns/shared";
    const outcomes = await Promise.allSettled(
      ["one", "two"].map((containerId) => svc.attach(request({ containerId, netns: shared }), ctx())),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected")!;
    expect((refused.reason as DaemonError).code).toBe("INVALID_NETNS");
  });

  it("a holder whose saved path no longer names the namespace holds nothing (its inode number reused)", async () => {
    const ids: Record<string, string> = { "/var/run/netns/old": "ns:reused", "/var/run/netns/new": "ns:new" };
    const guard = guardFromInspect((path) => ({ ok: true, id: ids[path] ?? `ns:${path}` }));
    const { svc } = service(undefined, { netns: guard });
    await svc.attach(request({ containerId: "old", netns: "/var/run/netns/old" }), ctx());
    // The old namespace is gone (its path names another one now); a new one got its inode number.
    ids["/var/run/netns/old"] = "ns:elsewhere";
    ids["/var/run/netns/new"] = "ns:reused";
    await svc.attach(request({ containerId: "new", netns: "/var/run/netns/new" }), ctx());
    expect((await store.load("new")).state).toBe("found");
  });
});

describe("pod annotations", () => {
  const pods = (found: { uid: string; isStatic?: boolean } | "not-found"): PodSource => ({
    ready: () => true,
    getPod: async (namespace, name) =>
      found === "not-found"
        ? { reason: "not-found" }
        : {
            found: {
              namespace,
              name,
              uid: found.uid,
              annotations: { "k8s.v1.cni.cncf.io/networks": "from-pod" },
              ...(found.isStatic ? { isStatic: true } : {}),
            },
          },
  });

  it("uses the request's annotations when given, else the pod's", async () => {
    const seen: Array<Readonly<Record<string, string>>> = [];
    const resolver = {
      resolve: async (q: { annotations: Readonly<Record<string, string>> }) => (seen.push(q.annotations), [cluster]),
      resolveClusterNetwork: async () => cluster,
      resolveSelection: async () => cluster,
    };
    const { svc } = service(undefined, { resolver, podSource: pods({ uid: "uid-1" }) });
    await svc.resolve(request({ annotations: { a: "from-request" } }), ctx());
    const { annotations: _omit, ...noAnnotations } = request();
    await svc.resolve(noAnnotations, ctx());
    expect(seen).toEqual([{ a: "from-request" }, { "k8s.v1.cni.cncf.io/networks": "from-pod" }]);
  });

  it("fails with POD_UID_MISMATCH for a recreated pod, but not for a static one", async () => {
    const { annotations: _omit, ...req } = request();
    const { svc, runtime } = service(undefined, { podSource: pods({ uid: "uid-2" }) });
    expect((await rejection(svc.attach(req, ctx()))).code).toBe("POD_UID_MISMATCH");
    expect(runtime.calls).toEqual([]);
    const staticPod = service(undefined, { podSource: pods({ uid: "uid-2", isStatic: true }) });
    await expect(staticPod.svc.resolve(req, ctx())).resolves.toBeDefined();
  });

  it("fails with POD_NOT_FOUND when the cluster does not know the pod", async () => {
    const { annotations: _omit, ...req } = request();
    const { svc } = service(undefined, { podSource: pods("not-found") });
    expect((await rejection(svc.attach(req, ctx()))).code).toBe("POD_NOT_FOUND");
  });
});

describe("default-route", () => {
  it("moves the default route of the requested family to the chosen interface", async () => {
    const mv = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), {
      defaultRoute: ["10.0.2.254"],
    });
    const routes = recordingRoutes([
      { family: 4, dev: "eth0", gateway: "10.0.1.1" },
      { family: 4, dev: "net1", gateway: "10.0.2.1" },
      { family: 6, dev: "eth0", gateway: "fe80::1" },
    ]);
    const { svc } = service(undefined, { resolver: fakeResolver([cluster, mv]), routes });
    const res = await svc.attach(request(), ctx());
    expect(routes.ops).toEqual(["del -4 10.0.1.1 eth0", "del -4 10.0.2.1 net1", "replace -4 10.0.2.254 net1"]);
    expect(routes.table).toEqual([
      { family: 6, dev: "eth0", gateway: "fe80::1" },
      { family: 4, dev: "net1", gateway: "10.0.2.254" },
    ]);
    expect(res.networkStatus.map((s) => [s.interface, s.gateway])).toEqual([
      ["eth0", undefined],
      ["net1", ["10.0.2.254"]],
    ]);
  });

  it("takes an IPv4-mapped gateway as IPv4, as the plugins and netlink do", async () => {
    const mv = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), {
      defaultRoute: ["::ffff:10.0.2.254"],
    });
    const routes = recordingRoutes([
      { family: 4, dev: "net1", gateway: "10.0.2.1" },
      { family: 6, dev: "eth0", gateway: "fe80::1" },
    ]);
    const { svc } = service(undefined, { resolver: fakeResolver([cluster, mv]), routes });
    await svc.attach(request(), ctx());
    expect(routes.ops).toEqual(["del -4 10.0.2.1 net1", "replace -4 ::ffff:10.0.2.254 net1"]);
  });

  it("removes every default route for an empty request", async () => {
    const mv = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), { defaultRoute: [] });
    const routes = recordingRoutes([
      { family: 4, dev: "eth0", gateway: "10.0.1.1" },
      { family: 6, dev: "eth0", gateway: "fe80::1" },
    ]);
    const { svc } = service(undefined, { resolver: fakeResolver([cluster, mv]), routes });
    await svc.attach(request(), ctx());
    expect(routes.table).toEqual([]);
  });

  it("rolls back when the route cannot be set", async () => {
    const mv = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), {
      defaultRoute: ["10.9.9.9"],
    });
    const routes = {
      ...recordingRoutes(),
      replaceDefaultRoute: async () => Promise.reject(new Error("Nexthop has invalid gateway")),
    };
    const { svc, runtime } = service(undefined, { resolver: fakeResolver([cluster, mv]), routes });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.message).toContain("Nexthop has invalid gateway");
    expect(err.context.network).toBe("default/macvlan-conf");
    expect(ops(runtime.calls).filter((o) => o.startsWith("del"))).toEqual(["del macvlan-conf net1", "del cbr0 eth0"]);
  });
});
