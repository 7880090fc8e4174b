// The cleanup path against a real CNI runtime over the fake plugin runner: a DEL finishes within
// its call's deadline (the caller's included), and a plugin binary missing or not executable at DEL
// is orphaned for the reconciler instead of forgotten with the host state it holds.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import type { ResolvedNetwork } from "../resolve/index.js";
import type { ExecRequest } from "../cni/invoke/types.js";
import { createCniRuntime } from "../cni/runtime/cni-runtime.js";
import { createFakePluginExec, type FakePlugin } from "../cni/runtime/fake-plugin-exec.test-helper.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { timeoutSignal } from "./call-deadline.js";
import { createAttachmentService } from "./create-attachment-service.js";
import {
  allPluginsFound,
  anyNetns,
  conflist,
  fakeResolver,
  network,
  noClusterPods,
  recordingLinks,
  recordingRoutes,
  recordingStatusWriter,
  request,
  silentLog,
  tempStore,
} from "./testing.test-helper.js";

const ctx = (signal = new AbortController().signal) => ({ signal, log: silentLog });
const cluster = network(
  "cluster",
  "cbr0",
  conflist("cbr0", [
    { type: "bridge", bridge: "cni0", ipam: { type: "host-local", subnet: "10.1.0.0/24" } },
    { type: "portmap", capabilities: { portMappings: true } },
  ]),
);
/** A secondary network (net1) of three plugins, released before the cluster network. */
const secondary = network(
  "selected",
  "default/sec",
  conflist("sec", [
    { type: "macvlan", master: "eth9", ipam: { type: "host-local", subnet: "10.2.0.0/24" } },
    { type: "tuning" },
    { type: "sbr" },
  ]),
  { interface: "net1" },
);
/** The runtime's own per-run deadline: longer than the calls below. */
const PLUGIN_TIMEOUT_MS = 5000;

/** A plugin run that hangs until its timeout or the caller's abort, stopped as spawn-exec stops one. */
function hang(req: ExecRequest): Promise<Buffer> {
  const stopped = (kind: "timeout" | "aborted"): CniError =>
    new CniError({
      kind,
      code: 11,
      msg: `plugin "${req.pluginType}" ${req.command} ${kind === "timeout" ? `did not finish within ${req.timeoutMs} ms and was killed` : "was aborted by the caller"}`,
      plugin: req.pluginType,
      command: req.command,
    });
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(stopped("timeout")), req.timeoutMs);
    req.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(stopped("aborted"));
    });
  });
}

const cacheDirs: string[] = [];
afterEach(async () => {
  for (const d of cacheDirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function service(
  t: ReturnType<typeof tempStore>,
  o: {
    callTimeoutMs?: number;
    hangs?: (req: ExecRequest) => boolean;
    cannotRun?: (req: ExecRequest) => string;
    fails?: (req: ExecRequest) => boolean;
    noAttach?: true;
    networks?: ResolvedNetwork[];
    maxConcurrent?: number;
  } = {},
) {
  const plugins: Record<string, FakePlugin> = {
    bridge: {},
    "host-local": {},
    portmap: {},
    macvlan: {},
    tuning: {},
    sbr: {},
    vlan: {},
  };
  const fake = createFakePluginExec(plugins);
  const runs: Array<{ run: string; timeoutMs: number }> = [];
  const exec = {
    ...fake,
    exec: (req: ExecRequest): Promise<Buffer> => {
      runs.push({ run: `${req.command} ${req.pluginType}`, timeoutMs: req.timeoutMs });
      const errno = o.cannotRun?.(req);
      if (errno !== undefined && errno !== "")
        return Promise.reject(
          new CniError({
            kind: "exec",
            code: 999,
            msg: `failed to execute ${req.path}: ${errno}`,
            plugin: req.pluginType,
            command: req.command,
            cause: Object.assign(new Error(errno), { code: errno }),
          }),
        );
      if (o.fails?.(req) === true)
        return Promise.reject(
          new CniError({ kind: "plugin-failed", code: 999, msg: "no", plugin: req.pluginType, command: req.command }),
        );
      return o.hangs?.(req) === true ? hang(req) : fake.exec(req);
    },
  };
  const cacheDir = await mkdtemp(join(tmpdir(), "release-rt-"));
  cacheDirs.push(cacheDir);
  const runtime = createCniRuntime({ exec, binDirs: ["/fake/bin"], cacheDir, pluginTimeoutMs: PLUGIN_TIMEOUT_MS });
  const links = recordingLinks();
  const svc = createAttachmentService({
    runtime,
    resolver: fakeResolver(o.networks ?? [cluster]),
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    store: t.store,
    orphans: t.orphans,
    links,
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: o.maxConcurrent ?? 2, callTimeoutMs: o.callTimeoutMs ?? 60_000 },
    clusterNetwork: () => undefined,
  });
  if (o.noAttach === undefined) await svc.attach(request(), ctx());
  runs.length = 0;
  return { svc, plugins, runs, links };
}

const delOf = (type: string) => (req: ExecRequest) => req.command === "DEL" && req.pluginType === type;

describe("a DEL whose plugins hang", () => {
  const t = tempStore("release-deadline-");

  it("finishes within the daemon's callTimeoutMs: the plugins are cut short, the delegate cleaned and orphaned", async () => {
    const { svc, runs, links } = await service(t, {
      callTimeoutMs: 2000,
      hangs: (req) => req.command === "DEL" && (req.pluginType === "portmap" || req.pluginType === "bridge"),
    });
    const started = Date.now();
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.removed).toEqual([]);
    expect(res.orphaned).toEqual([
      { network: "cbr0", ifName: "eth0", cause: expect.stringContaining("retried by the reconciler") as string },
    ]);
    // portmap and bridge shared what was left before the deadline less the reserve (1 s: too short
    // for a floor each, so halves); netattach then removed the interface and released the addresses
    // in the reserve.
    const dels = runs.filter((r) => r.run.startsWith("DEL"));
    expect(dels.map((r) => r.run)).toEqual(["DEL portmap", "DEL bridge", "DEL host-local"]);
    for (const r of dels) expect(r.timeoutMs).toBeLessThan(1000);
    expect(links.removed).toEqual(["/var/run/netns/test eth0"]);
    expect((await t.store.load("c1")).state).toBe("missing");
    const orphan = await t.orphans.load("c1");
    expect(orphan.state === "found" && orphan.record.plan.delegates.map((d) => d.ifName)).toEqual(["eth0"]);
  });

  it("one plugin that hangs cannot take the others' time: the plugins of its list before it still get their DEL", async () => {
    const { svc, runs } = await service(t, { callTimeoutMs: 3000, hangs: delOf("portmap") });
    const started = Date.now();
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(Date.now() - started).toBeLessThan(3000);
    // portmap was cut short leaving a floor (500 ms) for bridge, which ran (with its IPAM plugin).
    const dels = runs.filter((r) => r.run.startsWith("DEL"));
    expect(dels.map((r) => r.run)).toEqual(["DEL portmap", "DEL bridge", "DEL host-local"]);
    expect(dels[0]!.timeoutMs).toBeGreaterThan(1000);
    expect(dels[0]!.timeoutMs).toBeLessThanOrEqual(1500);
    expect(res.orphaned).toEqual([
      {
        network: "cbr0",
        ifName: "eth0",
        cause: expect.stringMatching(/retryable error .*plugin "portmap" DEL did not finish/) as string,
      },
    ]);
  });

  it("a secondary network's plugin that hangs leaves the cluster network its DEL, within the call's deadline", async () => {
    const { svc, runs } = await service(t, {
      callTimeoutMs: 4000,
      networks: [cluster, secondary],
      hangs: delOf("sbr"),
    });
    const started = Date.now();
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(Date.now() - started).toBeLessThan(4000);
    // sbr (net1's last plugin) was cut short leaving a floor for each of the 4 runs after it: its
    // list's tuning and macvlan, then the cluster network's portmap and bridge, which all ran.
    const dels = runs.filter((r) => r.run.startsWith("DEL"));
    expect(dels.map((r) => r.run)).toEqual([
      "DEL sbr",
      "DEL tuning",
      "DEL macvlan",
      "DEL host-local", // net1's addresses, released by netattach as its DEL failed
      "DEL portmap",
      "DEL bridge",
    ]);
    expect(dels[0]!.timeoutMs).toBeGreaterThan(500);
    expect(dels[0]!.timeoutMs).toBeLessThanOrEqual(1000);
    expect(res.removed.map((r) => r.ifName)).toEqual(["eth0"]);
    expect(res.orphaned.map((o) => [o.network, o.ifName])).toEqual([["default/sec", "net1"]]);
    const orphan = await t.orphans.load("c1");
    expect(orphan.state === "found" && orphan.record.plan.delegates.map((d) => d.ifName)).toEqual(["net1"]);
  });

  /**
   * A DEL of four single-plugin secondaries, released one at a time (maxConcurrent 1), the first of
   * them (sbr) hanging: every plugin ran, sbr's delegate alone is orphaned. The DEL runs, in order.
   */
  async function delQueuedBehindHung(callTimeoutMs: number): Promise<Array<{ run: string; timeoutMs: number }>> {
    const { svc, runs } = await service(t, {
      callTimeoutMs,
      maxConcurrent: 1,
      networks: [
        cluster,
        network("selected", "default/a", conflist("a", [{ type: "macvlan", master: "eth9" }]), { interface: "net1" }),
        network("selected", "default/b", conflist("b", [{ type: "tuning" }]), { interface: "net2" }),
        network("selected", "default/c", conflist("c", [{ type: "vlan", master: "eth9" }]), { interface: "net3" }),
        network("selected", "default/d", conflist("d", [{ type: "sbr" }]), { interface: "net4" }),
      ],
      hangs: delOf("sbr"),
    });
    const started = Date.now();
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(Date.now() - started).toBeLessThan(callTimeoutMs);
    const dels = runs.filter((r) => r.run.startsWith("DEL"));
    const order = ["sbr", "vlan", "tuning", "macvlan", "portmap", "bridge"].map((p) => `DEL ${p}`);
    expect(dels.map((r) => r.run)).toEqual(order);
    expect(res.removed.map((r) => r.ifName)).toEqual(["net3", "net2", "net1", "eth0"]);
    expect(res.orphaned.map((o) => o.ifName)).toEqual(["net4"]);
    return dels;
  }

  it("a plugin that hangs leaves a floor to the siblings queued behind it for a delegate slot, not only to later stages", async () => {
    const dels = await delQueuedBehindHung(6000);
    // sbr was cut short leaving 500 ms for each of the 5 runs after it: its 3 queued siblings', then
    // the cluster network's portmap and bridge; each of those got its floor (less the few ms netattach
    // took between the runs).
    expect(dels[0]!.timeoutMs).toBeLessThanOrEqual(6000 - 1000 - 5 * 500);
    for (const r of dels.slice(1)) expect(r.timeoutMs, r.run).toBeGreaterThanOrEqual(450);
  });

  it("siblings queued behind a hung plugin get an equal share when the time left is too short for their floors", async () => {
    const dels = await delQueuedBehindHung(3000);
    // 2 s before the reserve for 6 runs: about a sixth each (333 ms), the hung one's too.
    expect(dels[0]!.timeoutMs).toBeLessThanOrEqual(2000 / 6 + 1);
    for (const r of dels.slice(1)) expect(r.timeoutMs, r.run).toBeGreaterThanOrEqual(300);
  });

  it("finishes within the caller's own deadline, shorter than callTimeoutMs (start-up's budget is one: timeoutSignal)", async () => {
    const { svc, runs } = await service(t, { hangs: delOf("portmap") });
    const caller = timeoutSignal(1500);
    const res = await svc.detach({ containerId: "c1" }, ctx(caller));
    expect(caller.aborted).toBe(false);
    expect(res.orphaned.map((o) => o.ifName)).toEqual(["eth0"]);
    expect(runs[0]).toMatchObject({ run: "DEL portmap" });
    expect(runs[0]!.timeoutMs).toBeLessThan(1500);
    expect((await t.orphans.load("c1")).state).toBe("found");
  });

  it("an ADD's rollback finishes within its own deadline too: what it could not release is orphaned, not kept detaching", async () => {
    const { svc } = await service(t, {
      callTimeoutMs: 1500,
      noAttach: true,
      fails: (req) => req.command === "ADD" && req.pluginType === "portmap",
      hangs: (req) => req.command === "DEL" && req.pluginType === "portmap",
    });
    const started = Date.now();
    const err = (await svc.attach(request(), ctx()).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.message).toMatch(/rollback incomplete: network "cbr0" \(eth0\) orphaned: .*the reconciler retries it/);
    expect((await t.store.load("c1")).state).toBe("missing");
    expect((await t.orphans.load("c1")).state).toBe("found");
  });

  it("a caller's cancel (not a deadline) still keeps the attachment for a retried DEL", async () => {
    const { svc } = await service(t, { hangs: delOf("portmap") });
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 100);
    await expect(svc.detach({ containerId: "c1" }, ctx(cancel.signal))).rejects.toMatchObject({
      code: "DETACH_INCOMPLETE",
    });
    const kept = await t.store.load("c1");
    expect(kept.state === "found" && kept.record.phase).toBe("detaching");
    expect((await t.orphans.load("c1")).state).toBe("missing");
  });
});

describe("a DEL whose plugin binary is missing or cannot be run", () => {
  const t = tempStore("release-binary-");

  it.each([
    ["missing", undefined],
    ["not executable", "EACCES"],
    ["not a program", "ENOEXEC"],
  ] as const)("%s: the delegate is orphaned as retryable and released once the binary is back", async (_, errno) => {
    const node = { broken: false };
    const { svc, plugins, runs } = await service(t, {
      cannotRun: (req) => (errno !== undefined && req.pluginType === "portmap" && node.broken ? errno : ""),
    });
    node.broken = true;
    const portmap = plugins["portmap"]!;
    if (errno === undefined) delete plugins["portmap"];
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(res.orphaned).toEqual([
      {
        network: "cbr0",
        ifName: "eth0",
        cause: expect.stringMatching(/the plugin's DEL failed with a retryable error .*"portmap"/) as string,
      },
    ]);
    const orphan = await t.orphans.load("c1");
    expect(orphan.state).toBe("found");

    plugins["portmap"] = portmap;
    node.broken = false;
    runs.length = 0;
    const gc = await svc.gc({}, ctx());
    expect(gc.items.map((i) => [i.containerId, i.outcome])).toContainEqual(["c1", "removed"]);
    expect(runs.map((r) => r.run).filter((r) => r.startsWith("DEL"))).toEqual(["DEL portmap", "DEL bridge"]);
    expect((await t.orphans.load("c1")).state).toBe("missing");
  });

  it("an IPAM plugin missing at release is not called a broken config: the orphan stays for the reconciler", async () => {
    const { svc, plugins } = await service(t);
    delete plugins["bridge"];
    delete plugins["host-local"];
    const res = await svc.detach({ containerId: "c1" }, ctx());
    const cause = res.orphaned[0]?.cause ?? "";
    expect(cause).toContain(
      'addresses could not be released: network "cbr0" (eth0): DEL refused before running plugin "host-local"',
    );
    expect(cause).toContain("the reconciler releases them once the plugin's binary is back");
    expect(cause).not.toContain("config itself is broken");
    expect(cause).not.toContain("delete its orphan record");
  });
});

describe("a DEL's orphans with an earlier orphan record of the same container", () => {
  const t = tempStore("release-merge-");
  const portmapMissing = (req: ExecRequest): string =>
    req.command === "DEL" && req.pluginType === "portmap" ? "ENOENT" : "";

  /** An earlier orphan (net9) of c1, as `format` asks, saved beside c1's attachment. */
  async function earlierOrphan(format: Record<string, unknown>): Promise<void> {
    const live = await t.store.load("c1");
    if (live.state !== "found") throw new Error("no attachment");
    const net9 = { ...live.record.plan.delegates[0]!, ifName: "net9", network: "default/old" };
    await t.orphans.save({
      ...live.record,
      plan: { ...live.record.plan, delegates: [net9] },
      results: {},
      phase: "orphaned",
      cause: "earlier",
      ...format,
    } as AttachmentRecord);
  }

  it("keeps the earlier record's format and the fields it does not know: a newer netattachd's record is not downgraded", async () => {
    const { svc } = await service(t, { cannotRun: portmapMissing });
    await earlierOrphan({ version: 2, minReaderVersion: 1, future: { kept: true } });
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(res.orphaned.map((o) => o.ifName)).toEqual(["eth0"]);
    const merged = await t.orphans.load("c1");
    if (merged.state !== "found") throw new Error(`orphans: ${merged.state}`);
    expect(merged.record).toMatchObject({ version: 2, minReaderVersion: 1, future: { kept: true }, phase: "orphaned" });
    expect(merged.record.plan.delegates.map((d) => d.ifName)).toEqual(["net9", "eth0"]);
    expect((await t.store.load("c1")).state).toBe("missing");
  });

  it.each([
    ["written by a newer netattachd", (text: string) => text],
    ["corrupt", () => "{ not json"],
  ])("never overwrites one that is %s: the new orphans stay in the saved attachment", async (_, content) => {
    const { svc } = await service(t, { cannotRun: portmapMissing });
    await earlierOrphan({ version: 3, minReaderVersion: 2 });
    const read = await t.orphans.load("c1");
    if (read.state !== "too-new") throw new Error(`orphans: ${read.state}`);
    await writeFile(read.path, content(await readFile(read.path, "utf8")));
    const before = await readFile(read.path, "utf8");
    const res = await svc.detach({ containerId: "c1" }, ctx());
    expect(res.orphaned.map((o) => o.ifName)).toEqual(["eth0"]);
    expect(await readFile(read.path, "utf8")).toBe(before);
    const kept = await t.store.load("c1");
    if (kept.state !== "found") throw new Error(`attachment: ${kept.state}`);
    expect(kept.record.phase).toBe("orphaned");
    expect(kept.record.plan.delegates.map((d) => d.ifName)).toEqual(["eth0"]);
    expect(kept.record.cause).toMatch(/network "cbr0" \(eth0\) orphaned: .*retried by the reconciler/);
    // Listed as orphaned; the unreadable record beside it too.
    const listed = await svc.list({}, ctx());
    expect(listed.attachments.map((a) => [a.containerId, a.phase])).toContainEqual(["c1", "orphaned"]);
  });
});
