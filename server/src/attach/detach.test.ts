import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { ERROR_CODES } from "../errors/error-codes.js";
import type { NetworkResolver } from "../resolve/index.js";
import type { AttachmentStore } from "./attachment-store.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import { createAttachmentService } from "./create-attachment-service.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { guardFromInspect } from "../netns/netns-guard.test-helper.js";
import {
  allPluginsFound,
  anyNetns,
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
  recordingLinks,
  pod,
} from "./testing.test-helper.js";

/** A logger whose lines (level, msg) the test reads. */
function capturingLog(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

let dir: string;
let store: AttachmentStore;
let orphans: AttachmentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "detach-"));
  store = createFileAttachmentStore(join(dir, "attachments"));
  orphans = createFileAttachmentStore(join(dir, "orphans"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const networks = [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan", { capabilities: { mac: true } }), {
    mac: "c2:00:00:00:00:01",
  }),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
];

/** Attach with one service, then detach with a fresh one (as after a daemon restart) whose resolver must not be used. */
async function attachedThenRestarted(fail?: FailRule, netns: NetnsGuard = anyNetns) {
  const first = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
  await first.attach(request(), ctx());
  const runtime = recordingRuntime(fail);
  const resolver: NetworkResolver & { calls: number } = {
    calls: 0,
    resolve: async () => {
      resolver.calls++;
      throw new Error("the resolver must not be used by DEL");
    },
    resolveClusterNetwork: async () => {
      throw new Error("the resolver must not be used by DEL");
    },
    resolveSelection: async () => {
      throw new Error("the resolver must not be used by DEL");
    },
  };
  const links = recordingLinks();
  return {
    svc: createAttachmentService({
      ...deps(runtime, resolver, createFileAttachmentStore(join(dir, "attachments"))),
      links,
      netns,
    }),
    runtime,
    resolver,
    links,
  };
}

/** `inner`, counting its saves. */
function countingSaves(inner: AttachmentStore): AttachmentStore & { saves: number } {
  const counted = {
    ...inner,
    saves: 0,
    save: (r: Parameters<AttachmentStore["save"]>[0]) => {
      counted.saves++;
      return inner.save(r);
    },
  };
  return counted;
}

function deps(runtime: ReturnType<typeof recordingRuntime>, resolver: NetworkResolver, s: AttachmentStore = store) {
  return {
    runtime,
    resolver,
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    store: s,
    orphans,
    links: recordingLinks(),
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
    // A runtimeConfig that did not read is no concern of a DEL with a saved attachment.
    const unread = new DaemonError("INVALID_REQUEST", "runtime_config.extra_json is not valid JSON");
    const res = await svc.detach(
      { containerId: "c1", netns: "/var/run/netns/test", runtimeConfigError: unread },
      ctx(),
    );
    expect(res.removed).toEqual([
      { network: "default/ptp-conf", ifName: "net2" },
      { network: "default/macvlan-conf", ifName: "net1" },
      { network: "cbr0", ifName: "eth0" },
    ]);
    expect(runtime.calls.map((c) => `${c.op} ${c.network} ${c.ifName}`)).toEqual([
      "del ptp-conf net2",
      "del macvlan-conf net1",
      "del cbr0 eth0",
    ]);
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

  it("asks the runtime to run every plugin's DEL of a delegate even after one failed", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    await svc.detach({ containerId: "c1" }, ctx());
    expect(runtime.calls.map((c) => [c.op, c.ifName, c.opts?.keepGoing])).toEqual([
      ["del", "net2", true],
      ["del", "net1", true],
      ["del", "eth0", true],
    ]);
  });

  it("uses the saved netns while it exists, also when the runtime sends an empty one; a gone one reaches plugins as empty", async () => {
    const a = await attachedThenRestarted();
    await a.svc.detach({ containerId: "c1", netns: "" }, ctx());
    expect(a.runtime.calls.map((c) => c.netns)).toEqual([
      "/var/run/netns/test",
      "/var/run/netns/test",
      "/var/run/netns/test",
    ]);
    const gone = guardFromInspect(() => ({ ok: false, problem: "missing", detail: "does not exist (ENOENT)" }));
    const b = await attachedThenRestarted(undefined, gone);
    await b.svc.detach({ containerId: "c1" }, ctx());
    expect(b.runtime.calls.map((c) => c.netns)).toEqual(["", "", ""]);
  });

  it("always finishes: a delegate whose DEL fails is cleaned up by netattach; a retryable failure is orphaned for the reconciler", async () => {
    let failing = true;
    const { svc, runtime, links } = await attachedThenRestarted((c) => {
      if (!failing || c.op !== "del") return undefined;
      if (c.ifName === "net2") return pluginFailure("ptp", 11, "try later");
      if (c.ifName === "eth0") return pluginFailure("bridge", 5, "io");
      return undefined;
    });
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(res.removed.map((r) => r.ifName)).toEqual(["net1", "eth0"]);
    expect(res.orphaned).toEqual([
      {
        network: "default/ptp-conf",
        ifName: "net2",
        cause: expect.stringContaining(
          "the plugin's DEL failed with a retryable error and is retried by the reconciler",
        ),
      },
    ]);
    expect(res.orphaned[0]!.cause).toContain('network "default/ptp-conf" (net2): plugin "ptp" failed on');
    expect(res.orphaned[0]!.cause).toContain("with CNI code 11: try later");
    // Each failed delegate: interface removed in the saved netns, addresses released through its IPAM.
    // The secondaries concurrently (any interleaving), then the cluster network.
    const calls = runtime.calls.map((c) => `${c.op} ${c.ifName}`);
    expect(calls.slice(0, 3).sort()).toEqual(["del net1", "del net2", "release net2"]);
    expect(calls.slice(3)).toEqual(["del eth0", "release eth0"]);
    expect(links.removed).toEqual(["/var/run/netns/test net2", "/var/run/netns/test eth0"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
    const listed = (await svc.list({}, ctx())).attachments;
    expect(listed.map((a) => [a.containerId, a.phase, a.interfaces.map((i) => i.ifName)])).toEqual([
      ["c1", "orphaned", ["net2"]],
    ]);

    // The reconciler's pass retries the plugin's DEL; once it works the orphan is gone.
    failing = false;
    runtime.calls.length = 0;
    const pass = await svc.gc({}, ctx());
    expect(pass.items.filter((i) => i.reason === "orphaned").map((i) => [i.containerId, i.outcome])).toEqual([
      ["c1", "removed"],
    ]);
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName)).toEqual(["net2"]);
    expect((await svc.list({}, ctx())).attachments).toEqual([]);
  });

  it("keeps what it has not done when the call is cancelled midway, for the runtime's retried DEL", async () => {
    const ac = new AbortController();
    const { svc } = await attachedThenRestarted((c) => {
      if (c.op !== "del" || c.ifName !== "net1" || ac.signal.aborted) return undefined;
      ac.abort(new Error("kubelet gave up"));
      return new CniError({
        kind: "aborted",
        code: 11,
        msg: 'plugin "macvlan" DEL was aborted by the caller',
        plugin: "macvlan",
        command: "DEL",
      });
    });
    const err = await rejection(svc.detach({ containerId: "c1" }, { signal: ac.signal, log: silentLog }));
    expect(err.code).toBe("DETACH_INCOMPLETE");
    expect(err.message).toContain("were not deleted before the call ended (state kept for a retry)");
    const kept = await store.load("c1");
    expect(kept.state === "found" && [kept.record.phase, kept.record.plan.delegates.map((d) => d.ifName)]).toEqual([
      "detaching",
      ["net1"],
    ]);
    const again = await svc.detach({ containerId: "c1" }, ctx());
    expect(again.removed.map((r) => r.ifName)).toEqual(["net1"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("saves the attachment as detaching before its first plugin runs; a daemon killed mid-way lists it detaching and the next one finishes the DEL at start-up", async () => {
    const saved = join(dir, "attachments", "c1.json");
    const atCrash = join(dir, "c1-at-crash.json");
    let phaseAtFirstDel: string | undefined;
    const first = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
    await first.attach(request(), ctx());
    const counting = countingSaves(store);
    const svc = createAttachmentService({
      ...deps(
        recordingRuntime(undefined, async (c) => {
          if (c.op !== "del") return;
          if (c.ifName === "net2") {
            const read = await store.load("c1");
            phaseAtFirstDel = read.state === "found" ? read.record.phase : read.state;
          }
          // What a kill while net1's DEL runs leaves on disk: net2 released, the record as it was saved.
          if (c.ifName === "net1") await copyFile(saved, atCrash);
        }),
        fakeResolver(networks),
        counting,
      ),
    });
    await svc.detach({ containerId: "c1" }, ctx());
    expect(phaseAtFirstDel).toBe("detaching");
    expect(counting.saves).toBe(1); // the one durable write DEL adds; removal is the other

    await copyFile(atCrash, saved);
    const runtime = recordingRuntime();
    const restarted = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const listed = (await restarted.list({}, ctx())).attachments[0];
    expect([listed?.phase, listed?.cause]).toEqual([
      "detaching",
      expect.stringMatching(/^a DEL started at .+ and has not finished$/),
    ]);
    await expect(restarted.rollBackUnfinished(ctx())).resolves.toEqual(["c1"]);
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["del net2", "del net1", "del eth0"]);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("a retried DEL of an attachment already detaching writes nothing before its plugins; a mark that cannot be written does not stop a DEL", async () => {
    const ac = new AbortController();
    const { svc } = await attachedThenRestarted((c) => {
      if (c.op !== "del" || c.ifName !== "net1" || ac.signal.aborted) return undefined;
      ac.abort(new Error("kubelet gave up"));
      return new CniError({ kind: "aborted", code: 11, msg: "aborted", plugin: "macvlan", command: "DEL" });
    });
    await rejection(svc.detach({ containerId: "c1" }, { signal: ac.signal, log: silentLog }));
    const counting = countingSaves(store);
    const retry = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks), counting));
    expect((await retry.detach({ containerId: "c1" }, ctx())).removed.map((r) => r.ifName)).toEqual(["net1"]);
    expect(counting.saves).toBe(0);

    const svc2 = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
    await svc2.attach(request(), ctx());
    const full: AttachmentStore = {
      ...store,
      save: () => Promise.reject(new Error("ENOSPC: no space left on device")),
    };
    const runtime = recordingRuntime();
    const onFullDisk = createAttachmentService(deps(runtime, fakeResolver(networks), full));
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const res = await onFullDisk.detach({ containerId: "c1" }, { signal: new AbortController().signal, log });
    expect(res.removed).toHaveLength(3);
    expect(lines.join("")).toContain("DEL could not save the attachment as detaching; deleting its delegates anyway");
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("with nothing saved, DELs the cluster network from its current config: empty netns, the request's interface, runtimeConfig and CNI_ARGS as an ADD gets them; warns naming it", async () => {
    const runtime = recordingRuntime();
    const { log, lines } = capturingLog();
    const events: AttachmentEvent[] = [];
    const svc = createAttachmentService({
      ...deps(runtime, fakeResolver(networks)),
      events: { emit: (e) => void events.push(e) },
    });
    const res = await svc.detach(
      {
        containerId: "before-install",
        netns: "/var/run/netns/forged",
        pod,
        primaryIfName: "eth1",
        runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }] },
        cniArgs: [["EXTRA", "1"]],
      },
      { signal: new AbortController().signal, log },
    );
    expect(res).toEqual({ removed: [{ network: "cbr0", ifName: "eth1" }], orphaned: [] });
    expect(runtime.calls.map((c) => `${c.op} ${c.network} ${c.ifName} netns=${JSON.stringify(c.netns)}`)).toEqual([
      'del cbr0 eth1 netns=""',
    ]);
    const rt = runtime.calls[0]!.rt!;
    expect(rt.netnsHandle).toBeUndefined();
    expect(rt.capabilityArgs).toEqual({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] });
    expect(rt.args).toEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAMESPACE", "default"],
      ["K8S_POD_NAME", "web"],
      ["K8S_POD_INFRA_CONTAINER_ID", "before-install"],
      ["K8S_POD_UID", "uid-1"],
      ["EXTRA", "1"],
    ]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "no saved attachment for before-install: released the cluster network cbr0 from its current config; secondary networks, if any, are unknown",
    ]);
    expect(await store.load("before-install")).toEqual({ state: "missing" });
    expect((await orphans.list()).length).toBe(0);
    expect(events).toEqual([
      expect.objectContaining({
        kind: "detach",
        outcome: "ok",
        containerId: "before-install",
        pod,
        interfaces: [{ network: "cbr0", ifName: "eth1", ips: [] }],
        message:
          "nothing saved for this container: the cluster network released from its current config, secondary networks unknown; removed eth1 (cbr0)",
      }),
    ]);
  });

  it("with nothing saved, a cluster network whose plugin cannot DEL is orphaned, and the warn line says so rather than released", async () => {
    const runtime = recordingRuntime((c) => (c.op === "del" ? pluginFailure("bridge", 11, "try later") : undefined));
    const { log, lines } = capturingLog();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const res = await svc.detach({ containerId: "before-install", pod }, { signal: new AbortController().signal, log });
    expect(res.orphaned.map((o) => o.network)).toEqual(["cbr0"]);
    const warned = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warned.at(-1)).toMatch(
      /^no saved attachment for before-install: could not release the cluster network cbr0 from its current config \(.*try later.*\): orphaned for the reconciler; secondary networks, if any, are unknown$/,
    );
  });

  it("with nothing saved and no interface named, releases eth0; a DEL via the API without a pod still does", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    await svc.detach({ containerId: "lost-state" }, ctx());
    expect(runtime.calls.map((c) => `${c.op} ${c.network} ${c.ifName} netns=${JSON.stringify(c.netns)}`)).toEqual([
      'del cbr0 eth0 netns=""',
    ]);
    expect(runtime.calls[0]!.rt?.args).toContainEqual(["K8S_POD_NAME", ""]);
  });

  it("runs no plugin for a DEL expected to find nothing: the runtime's second DEL, the DEL after a rolled back or a refused ADD", async () => {
    const runtime = recordingRuntime((c) =>
      c.op === "add" && c.rt?.containerId === "p2" && c.network === "ptp-conf"
        ? pluginFailure("ptp", 5, "io")
        : undefined,
    );
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const noPluginRuns = async (containerId: string): Promise<void> => {
      const before = runtime.calls.length;
      await expect(svc.detach({ containerId, netns: "" }, ctx())).resolves.toEqual({ removed: [], orphaned: [] });
      expect(runtime.calls.slice(before)).toEqual([]);
    };
    // A normal pod: its first DEL removes the record, its second (CNI_NETNS empty) finds nothing.
    await svc.attach(request({ containerId: "p1" }), ctx());
    expect((await svc.detach({ containerId: "p1", netns: "/var/run/netns/p1" }, ctx())).removed).toHaveLength(3);
    await noPluginRuns("p1");
    // Rolled back: ptp's ADD fails.
    await expect(svc.attach(request({ containerId: "p2" }), ctx())).rejects.toMatchObject({ code: "PLUGIN_FAILED" });
    await noPluginRuns("p2");
    // Refused before anything ran.
    const bad = { portMappings: [{ hostPort: 1, containerPort: 0 }] };
    await expect(svc.attach(request({ containerId: "p3", runtimeConfig: bad }), ctx())).rejects.toMatchObject({
      code: "INVALID_REQUEST",
    });
    await noPluginRuns("p3");
    // A daemon that did not settle it (restarted): the release from config, once.
    const restarted = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const before = runtime.calls.length;
    await restarted.detach({ containerId: "p1", netns: "" }, ctx());
    await restarted.detach({ containerId: "p1", netns: "" }, ctx());
    expect(runtime.calls.slice(before).map((c) => `${c.op} ${c.ifName}`)).toEqual(["del eth0"]);
  });

  it("with nothing saved, a plugin DEL that fails is cleaned up or orphaned for the reconciler like any, and the DEL succeeds", async () => {
    const runtime = recordingRuntime((c) => (c.op === "del" ? pluginFailure("bridge", 11, "try later") : undefined));
    const links = recordingLinks();
    const svc = createAttachmentService({ ...deps(runtime, fakeResolver(networks)), links });
    const res = await svc.detach({ containerId: "old", pod }, ctx());
    expect(res.removed).toEqual([]);
    expect(res.orphaned).toEqual([
      {
        network: "cbr0",
        ifName: "eth0",
        cause: expect.stringContaining(
          "the plugin's DEL failed with a retryable error and is retried by the reconciler",
        ),
      },
    ]);
    // Its IPAM released through the config's own IPAM; no netns entered.
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName} netns=${JSON.stringify(c.netns)}`)).toEqual([
      'del eth0 netns=""',
      'release eth0 netns=""',
    ]);
    expect(links.removed).toEqual([]);
    const listed = (await svc.list({}, ctx())).attachments;
    expect(listed.map((a) => [a.containerId, a.phase, a.netns, a.interfaces.map((i) => i.ifName)])).toEqual([
      ["old", "orphaned", "", ["eth0"]],
    ]);
  });

  it("with nothing saved, an input the plugins may not get runs nothing, is logged, and DEL succeeds (a refusal would fail every retry); a cluster network that does not resolve is logged and DEL succeeds", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    const bad = capturingLog();
    const badCtx = { signal: new AbortController().signal, log: bad.log };
    await expect(
      svc.detach({ containerId: "old", runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 0 }] } }, badCtx),
    ).resolves.toEqual({ removed: [], orphaned: [] });
    await expect(svc.detach({ containerId: "old2", primaryIfName: "lo" }, badCtx)).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
    expect(runtime.calls).toEqual([]);
    const warned = bad.lines.filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^no saved attachment for old: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: runtimeConfig: .*containerPort/,
      ),
      `no saved attachment for old2: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: primary interface name "lo" is the namespace's loopback, which exists already and cannot be removed`,
    ]);
    expect(warned[0]).toMatchObject({ reason: "INVALID_REQUEST", source: "runtimeConfig" });
    // A runtimeConfig the gRPC edge could not read: the same.
    const unread = new DaemonError("INVALID_REQUEST", "runtime_config.extra_json is not valid JSON");
    await expect(svc.detach({ containerId: "old3", runtimeConfigError: unread }, badCtx)).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
    expect(bad.lines.filter((l) => l.level === 40).at(-1)?.msg).toBe(
      "no saved attachment for old3: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: runtime_config.extra_json is not valid JSON",
    );
    expect(runtime.calls).toEqual([]);

    const { log, lines } = capturingLog();
    const none = createAttachmentService(deps(runtime, fakeResolver([])));
    await expect(none.detach({ containerId: "old" }, { signal: new AbortController().signal, log })).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
    expect(runtime.calls).toEqual([]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "no saved attachment for old: its cluster network could not be resolved, so nothing was released (the DEL names no pod, so the daemon's clusterNetwork)",
    ]);

    // Cut short while resolving: the DEL fails, for the runtime's retry, rather than claim it is done.
    const controller = new AbortController();
    const cut = createAttachmentService(
      deps(runtime, {
        ...fakeResolver(networks),
        resolveClusterNetwork: async () => {
          controller.abort();
          throw new DOMException("the call was cancelled", "AbortError");
        },
      }),
    );
    await expect(cut.detach({ containerId: "old" }, { signal: controller.signal, log: silentLog })).rejects.toThrow(
      "cancelled",
    );
    expect(runtime.calls).toEqual([]);
  });

  it("a DEL naming another interface than the saved primary deletes nothing and warns naming both; absent or the same ifname deletes", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    const { log, lines } = capturingLog();
    const other = await svc.detach(
      { containerId: "c1", netns: "/var/run/netns/test", primaryIfName: "eth9" },
      { ...ctx(), log },
    );
    expect(other).toEqual({ removed: [], orphaned: [] });
    expect(runtime.calls).toEqual([]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'DEL of container c1 on interface "eth9" deletes nothing: its attachment is on eth0',
    ]);
    expect((await store.load("c1")).state).toBe("found");
    // containerd's second DEL names the same interface as its first: that one deletes.
    const same = await svc.detach({ containerId: "c1", netns: "/var/run/netns/test", primaryIfName: "eth0" }, ctx());
    expect(same.removed).toHaveLength(3);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("refuses to guess when the saved plan is corrupt", async () => {
    const svc = createAttachmentService(deps(recordingRuntime(), fakeResolver(networks)));
    await svc.attach(request(), ctx());
    await writeFile(join(dir, "attachments", "c1.json"), "{");
    const err = await rejection(svc.detach({ containerId: "c1", netns: "" }, ctx()));
    expect(err.code).toBe("STATE_CORRUPT");
    expect(err.message).toBe(
      `saved attachment ${join(dir, "attachments", "c1.json")} of container c1 is corrupt (not valid JSON); its delegates cannot be deleted without it`,
    );
    expect(err.context.source).toBe(join(dir, "attachments", "c1.json"));
  });

  it("leaves a record a newer netattachd wrote untouched: STATE_TOO_NEW (CNI 11) says to roll forward, never corrupt", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    await svc.attach(request(), ctx());
    const path = join(dir, "attachments", "c1.json");
    const newer = JSON.stringify({ ...JSON.parse(await readFile(path, "utf8")), version: 2 });
    await writeFile(path, newer);
    runtime.calls.length = 0;
    const err = await rejection(svc.detach({ containerId: "c1", netns: "" }, ctx()));
    expect(err.code).toBe("STATE_TOO_NEW");
    expect(ERROR_CODES[err.code]).toMatchObject({ status: "FAILED_PRECONDITION", cniCode: 11 });
    expect(err.message).toBe(
      `saved attachment ${path} of container c1 was written by a newer netattachd (record version 2; this netattachd reads version 1): roll netattachd forward to a release that reads it; nothing was done and the record is kept as it is`,
    );
    expect(runtime.calls).toEqual([]);
    expect(await readFile(path, "utf8")).toBe(newer);

    // One that says this format may read it is DELed as this format's own.
    await writeFile(path, JSON.stringify({ ...JSON.parse(newer), minReaderVersion: 1 }));
    await svc.detach({ containerId: "c1", netns: "" }, ctx());
    expect(runtime.calls.filter((c) => c.op === "del").map((c) => c.ifName)).toEqual(["net2", "net1", "eth0"]);
    expect(existsSync(path)).toBe(false);
  });
});

describe("check, list, gc, status, resolve", () => {
  it("CHECKs each saved delegate in order; no attachment is ATTACHMENT_NOT_FOUND", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    await svc.check({ containerId: "c1" }, ctx());
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName} ${c.netns}`)).toEqual([
      "check eth0 /var/run/netns/test",
      "check net1 /var/run/netns/test",
      "check net2 /var/run/netns/test",
    ]);
    const err = await rejection(svc.check({ containerId: "c9" }, ctx()));
    expect(err.code).toBe("ATTACHMENT_NOT_FOUND");
  });

  it("CHECK naming another netns or interface than its ADD is refused before any plugin runs", async () => {
    const { svc, runtime } = await attachedThenRestarted();
    await svc.check({ containerId: "c1", netns: "/var/run/netns/test", primaryIfName: "eth0" }, ctx());
    runtime.calls.length = 0;
    const ns = await rejection(svc.check({ containerId: "c1", netns: "/var/run/netns/other" }, ctx()));
    expect(ns.code).toBe("INVALID_NETNS");
    expect(ns.message).toBe(
      'container c1 was attached in netns "/var/run/netns/test", not "/var/run/netns/other": CHECK uses the saved netns (omit it)',
    );
    const intf = await rejection(svc.check({ containerId: "c1", primaryIfName: "bogus" }, ctx()));
    expect(intf.code).toBe("ATTACHMENT_NOT_FOUND");
    expect(intf.message).toBe('container c1 has no attachment on interface "bogus" (its primary is eth0)');
    expect(runtime.calls).toEqual([]);
  });

  it("reports a failed CHECK with the network and plugin", async () => {
    const { svc } = await attachedThenRestarted((c) =>
      c.op === "check" && c.ifName === "net1" ? pluginFailure("macvlan", 3, "no such link") : undefined,
    );
    const err = await rejection(svc.check({ containerId: "c1" }, ctx()));
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.context).toMatchObject({
      network: "default/macvlan-conf",
      plugin: "macvlan",
      cniCode: 3,
      phase: "check",
    });
  });

  it("lists saved attachments with their phase and interfaces, filtered", async () => {
    const { svc } = await attachedThenRestarted();
    const all = (await svc.list({}, ctx())).attachments;
    expect(all).toEqual([
      {
        containerId: "c1",
        netns: "/var/run/netns/test",
        pod: { namespace: "default", name: "web", uid: "uid-1" },
        phase: "attached",
        history: [],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        interfaces: [
          {
            network: "cbr0",
            ifName: "eth0",
            ips: ["10.0.1.2/24"],
            mac: "02:00:00:00:00:01",
            isDefault: true,
            gateways: ["10.0.1.1"],
          },
          {
            network: "default/macvlan-conf",
            ifName: "net1",
            ips: ["10.0.2.2/24"],
            mac: "02:00:00:00:00:02",
            isDefault: false,
            gateways: ["10.0.2.1"],
          },
          {
            network: "default/ptp-conf",
            ifName: "net2",
            ips: ["10.0.3.2/24"],
            mac: "02:00:00:00:00:03",
            isDefault: false,
            gateways: ["10.0.3.1"],
          },
        ],
      },
    ]);
    expect((await svc.list({ podName: "other" }, ctx())).attachments).toEqual([]);
  });

  it("lists as gateways what the pod holds once default-route selections are applied", async () => {
    const routed = [
      networks[0]!,
      { ...networks[1]!, selection: { ...networks[1]!.selection, defaultRoute: ["10.0.2.1"] } },
      networks[2]!,
    ];
    const svc = createAttachmentService(deps(recordingRuntime(), fakeResolver(routed)));
    await svc.attach(request(), ctx());
    const [a] = (await svc.list({}, ctx())).attachments;
    // IPv4 was asked for on net1: eth0 and net2 keep no IPv4 default route of their own.
    expect(a!.interfaces.map((i) => [i.ifName, i.gateways])).toEqual([
      ["eth0", []],
      ["net1", ["10.0.2.1"]],
      ["net2", []],
    ]);
  });

  it("GC with the runtime's valid set detaches every other attachment, then GCs the networks still in use", async () => {
    const runtime = recordingRuntime();
    const svc = createAttachmentService(deps(runtime, fakeResolver(networks)));
    await svc.attach(request({ containerId: "keep" }), ctx());
    await svc.attach(request({ containerId: "gone" }), ctx());
    runtime.calls.length = 0;
    const res = await svc.gc({ validContainerIds: ["keep"] }, ctx());
    expect(res).toEqual({
      removedContainerIds: ["gone"],
      errors: [],
      dryRun: false,
      sources: ["the caller's valid attachments"],
      notes: [],
      items: [
        {
          containerId: "gone",
          pod: { namespace: "default", name: "web", uid: "uid-1" },
          netns: "/var/run/netns/gone",
          reason: "not-valid",
          outcome: "removed",
          interfaces: [
            {
              network: "cbr0",
              ifName: "eth0",
              ips: ["10.0.4.2/24"],
              mac: "02:00:00:00:00:04",
              isDefault: true,
              gateways: ["10.0.4.1"],
            },
            {
              network: "default/macvlan-conf",
              ifName: "net1",
              ips: ["10.0.5.2/24"],
              mac: "02:00:00:00:00:05",
              isDefault: false,
              gateways: ["10.0.5.1"],
            },
            {
              network: "default/ptp-conf",
              ifName: "net2",
              ips: ["10.0.6.2/24"],
              mac: "02:00:00:00:00:06",
              isDefault: false,
              gateways: ["10.0.6.1"],
            },
          ],
        },
      ],
    });
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
    const runtime = recordingRuntime((c) =>
      c.op === "status" ? pluginFailure("bridge", 50, "not ready yet") : undefined,
    );
    const list = {
      name: "cbr0",
      cniVersion: "1.1.0",
      disableCheck: false,
      disableGC: false,
      plugins: [{ type: "bridge" }],
      raw: {},
    };
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
    expect(plan.delegates[1]!.origin).toEqual({
      kind: "network-attachment-definition",
      namespace: "default",
      name: "macvlan-conf",
      configFrom: "spec.config",
      manifestPath: "/nads/macvlan-conf.yaml",
    });
    expect(runtime.calls).toEqual([]);
    expect(await store.list()).toEqual([]);
  });
});
