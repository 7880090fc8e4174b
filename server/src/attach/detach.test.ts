import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NetworkResolver } from "../resolve/types.js";
import type { AttachmentStore } from "./attachment-store.js";
import { createAttachmentService } from "./create-attachment-service.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";
import {
  allPluginsFound, anyNetns,
  conf,
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
} from "./testing.test-helper.js";

let dir: string;
let store: AttachmentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "detach-"));
  store = createFileAttachmentStore(join(dir, "attachments"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const networks = [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan", { capabilities: { mac: true } }), { mac: "c2:00:00:00:00:01" }),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
];

/** Attach with one service, then detach with a fresh one (as after a daemon restart) whose resolver must not be used. */
async function attachedThenRestarted(fail?: FailRule) {
  const first = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
  await first.attach(request(), ctx());
  const runtime = recordingRuntime(fail);
  const resolver: NetworkResolver & { calls: number } = {
    calls: 0,
    resolve: async () => {
      resolver.calls++;
      throw new Error("the resolver must not be used by DEL");
    },
  };
  return { svc: createAttachmentService(deps(runtime, resolver, createFileAttachmentStore(join(dir, "attachments")))), runtime, resolver };
}

function deps(runtime: ReturnType<typeof recordingRuntime>, resolver: NetworkResolver, s: AttachmentStore = store) {
  return {
    runtime,
    resolver,
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    store: s,
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 2, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
  };
}

describe("detach", () => {
  it("deletes from the saved plan alone, last first, with the saved args", async () => {
    const { svc, runtime, resolver } = await attachedThenRestarted();
    const res = await svc.detach({ containerId: "c1", netns: "/var/run/netns/test" }, ctx());
    expect(res.removed).toEqual([
      { network: "default/ptp-conf", ifName: "net2" },
      { network: "default/macvlan-conf", ifName: "net1" },
      { network: "cbr0", ifName: "eth0" },
    ]);
    expect(runtime.calls.map((c) => `${c.op} ${c.network} ${c.ifName}`)).toEqual(["del ptp-conf net2", "del macvlan-conf net1", "del cbr0 eth0"]);
    expect(runtime.calls[1]!.rt).toMatchObject({ containerId: "c1", capabilityArgs: { mac: "c2:00:00:00:00:01" } });
    expect(runtime.calls[1]!.rt?.args).toContainEqual(["K8S_POD_NAME", "web"]);
    expect(resolver.calls).toBe(0);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("hands each delegate's saved result to the runtime as the prevResult to use when its cache lost it", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    const saved = await store.load("c1");
    await svc.detach({ containerId: "c1" }, ctx());
    const results = saved.state === "found" ? saved.record.results : {};
    expect(runtime.calls.map((c) => [c.ifName, c.opts?.prevResult])).toEqual([
      ["net2", results["net2"]],
      ["net1", results["net1"]],
      ["eth0", results["eth0"]],
    ]);
    expect(results["eth0"]).toMatchObject({ ips: [{ address: "10.0.1.2/24" }] });
  });

  it("passes an empty netns through, and uses the saved one only when none is given", async () => {
    const a = await attachedThenRestarted();
    await a.svc.detach({ containerId: "c1", netns: "" }, ctx());
    expect(a.runtime.calls.map((c) => c.netns)).toEqual(["", "", ""]);
    const b = await attachedThenRestarted();
    await b.svc.detach({ containerId: "c1" }, ctx());
    expect(b.runtime.calls.map((c) => c.netns)).toEqual(["/var/run/netns/test", "/var/run/netns/test", "/var/run/netns/test"]);
  });

  it("goes on past errors, reports each, and keeps the remaining delegates for a retry", async () => {
    let failing = true;
    const { svc, runtime } = await attachedThenRestarted((c) => {
      if (!failing) return undefined;
      if (c.ifName === "net2") return pluginFailure("ptp", 11, "try later");
      if (c.ifName === "eth0") return pluginFailure("bridge", 5, "io");
      return undefined;
    });
    const err = await rejection(svc.detach({ containerId: "c1", netns: "" }, ctx()));
    expect(err.code).toBe("DETACH_INCOMPLETE");
    expect(err.message).toContain('network "default/ptp-conf"');
    expect(err.message).toContain('plugin "ptp"');
    expect(err.message).toContain("CNI code 11");
    expect(err.message).toContain('network "cbr0"');
    expect(err.message).toContain("CNI code 5");
    expect(err.context).toMatchObject({ network: "default/ptp-conf", plugin: "ptp", cniCode: 11 });
    expect(runtime.calls.map((c) => c.ifName)).toEqual(["net2", "net1", "eth0"]);
    const kept = await store.load("c1");
    expect(kept.state === "found" && kept.record.plan.delegates.map((d) => d.ifName)).toEqual(["eth0", "net2"]);
    expect(kept.state === "found" && Object.keys(kept.record.results).sort()).toEqual(["eth0", "net2"]);

    failing = false;
    runtime.calls.length = 0;
    const again = await svc.detach({ containerId: "c1", netns: "" }, ctx());
    expect(again.removed.map((r) => r.ifName)).toEqual(["net2", "eth0"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("succeeds with nothing to do when no plan is saved", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    await expect(svc.detach({ containerId: "never", netns: "" }, ctx())).resolves.toEqual({ removed: [] });
    expect(runtime.calls).toEqual([]);
  });

  it("refuses to guess when the saved plan is corrupt", async () => {
    const svc = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
    await svc.attach(request(), ctx());
    await writeFile(join(dir, "attachments", "c1.json"), "{");
    const err = await rejection(svc.detach({ containerId: "c1", netns: "" }, ctx()));
    expect(err.code).toBe("STATE_CORRUPT");
    expect(err.message).toBe(`saved attachment ${join(dir, "attachments", "c1.json")} of container c1 is corrupt (not valid JSON); its delegates cannot be deleted without it`);
    expect(err.context.source).toBe(join(dir, "attachments", "c1.json"));
  });
});

describe("check, list, gc, status, resolve", () => {
  it("CHECKs each saved delegate in order; no attachment is ATTACHMENT_NOT_FOUND", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    await svc.check({ containerId: "c1" }, ctx());
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName} ${c.netns}`)).toEqual(["check eth0 /var/run/netns/test", "check net1 /var/run/netns/test", "check net2 /var/run/netns/test"]);
    const err = await rejection(svc.check({ containerId: "c9" }, ctx()));
    expect(err.code).toBe("ATTACHMENT_NOT_FOUND");
  });

  it("reports a failed CHECK with the network and plugin", async () => {
    const { svc } = await attachedThenRestarted((c) => (c.op === "check" && c.ifName === "net1" ? pluginFailure("macvlan", 3, "no such link") : undefined));
    const err = await rejection(svc.check({ containerId: "c1" }, ctx()));
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.context).toMatchObject({ network: "default/macvlan-conf", plugin: "macvlan", cniCode: 3, phase: "check" });
  });

  it("lists saved attachments with their interfaces, filtered", async () => {
    const { svc } = await attachedThenRestarted();
    const all = await svc.list({}, ctx());
    expect(all).toEqual([
      {
        containerId: "c1",
        netns: "/var/run/netns/test",
        pod: { namespace: "default", name: "web", uid: "uid-1" },
        createdAt: expect.any(String),
        interfaces: [
          { network: "cbr0", ifName: "eth0", ips: ["10.0.1.2/24"], mac: "02:00:00:00:00:01", isDefault: true },
          { network: "default/macvlan-conf", ifName: "net1", ips: ["10.0.2.2/24"], mac: "02:00:00:00:00:02", isDefault: false },
          { network: "default/ptp-conf", ifName: "net2", ips: ["10.0.3.2/24"], mac: "02:00:00:00:00:03", isDefault: false },
        ],
      },
    ]);
    expect(await svc.list({ podName: "other" }, ctx())).toEqual([]);
  });

  it("GC detaches attachments that are no longer valid, then GCs the networks still in use", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    await svc.attach(request({ containerId: "keep" }), ctx());
    await svc.attach(request({ containerId: "gone" }), ctx());
    runtime.calls.length = 0;
    const res = await svc.gc({ validContainerIds: ["keep"] }, ctx());
    expect(res).toEqual({ removedContainerIds: ["gone"], errors: [] });
    expect(runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual([
      "del ptp-conf",
      "del macvlan-conf",
      "del cbr0",
      "gc cbr0",
      "gc macvlan-conf",
      "gc ptp-conf",
    ]);
    expect(runtime.calls[3]!.validAttachments).toEqual([{ containerId: "keep", ifName: "eth0" }]);
    expect((await store.list()).map((e) => e.containerId)).toEqual(["keep"]);
  });

  it("status runs the cluster network's CNI STATUS and reports its failure", async () => {
    const runtime = recordingRuntime((c) => (c.op === "status" ? pluginFailure("bridge", 50, "not ready yet") : undefined));
    const list = { name: "cbr0", cniVersion: "1.1.0", disableCheck: false, disableGC: false, plugins: [{ type: "bridge" }], raw: {} };
    const svc = createAttachmentService({ ...deps(runtime, fakeResolver(networks)), clusterNetwork: () => list });
    const st = await svc.status(ctx());
    expect(st.ready).toBe(false);
    expect(st.clusterNetwork).toMatchObject({ name: "cbr0", ok: false, cniCode: 50 });
    const none = await createAttachmentService(deps(recordingRuntime(), fakeResolver(networks))).status(ctx());
    expect(none.ready).toBe(false);
  });

  it("resolve returns the plan and runs nothing", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const { plan } = await svc.resolve(request(), ctx());
    expect(plan.delegates.map((d) => [d.network, d.ifName])).toEqual([
      ["cbr0", "eth0"],
      ["default/macvlan-conf", "net1"],
      ["default/ptp-conf", "net2"],
    ]);
    expect(plan.delegates[1]!.origin).toEqual({ kind: "network-attachment-definition", namespace: "default", name: "macvlan-conf", configFrom: "spec.config", manifestPath: "/nads/macvlan-conf.yaml" });
    expect(runtime.calls).toEqual([]);
    expect(await store.list()).toEqual([]);
  });
});
