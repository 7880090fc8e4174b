// The event stream and the metrics of a daemon composed like main.ts, test-double plugins, a real
// gRPC client: WatchEvents delivers a concurrent attach/detach run in order per container, with
// every field; filters, history, the watcher bound, cancellation and shutdown end streams cleanly;
// /metrics parses as Prometheus text and its counters and histograms move with the calls.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachNetworksRequest } from "../../proto/gen/netattach/v1/attachment_service.js";
import {
  EventKind,
  EventOutcome,
  type AttachmentEvent,
  type WatchEventsRequest,
  type WatchEventsResponse,
} from "../../proto/gen/netattach/v1/event_service.js";
import type { DaemonConfig } from "../../server/src/config/index.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";
import { rpcFailure } from "../helpers/rpc-failure.js";
import { createScratchNetnsPool, type ScratchNetnsPool } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const NETWORKS = "k8s.v1.cni.cncf.io/networks";

let dir: string;
let netns: ScratchNetnsPool;

async function setup(): Promise<Pick<DaemonConfig, "clusterNetwork" | "cniBinDirs" | "cniConfDir" | "definitionsDir">> {
  netns = createScratchNetnsPool();
  dir = await tempDir("na-events-");
  for (const d of ["bin", "net.d", "definitions"]) await mkdir(join(dir, d));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = { type: "noop" };
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [noop] }),
  );
  const nad = (name: string, plugin: object) =>
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: ${name}, namespace: ns1}\nspec:\n  config: '${JSON.stringify({ cniVersion: "1.0.0", name, plugins: [plugin] })}'\n`;
  await writeFile(join(dir, "definitions", "blue.yaml"), nad("blue", noop));
  // red's plugin refuses every ADD with CNI code 7.
  await writeFile(
    join(dir, "definitions", "red.yaml"),
    nad("red", { type: "noop", noop: { ADD: { error: { code: 7, msg: "red is closed" } } } }),
  );
  return {
    clusterNetwork: "cluster",
    cniBinDirs: [join(dir, "bin")],
    cniConfDir: join(dir, "net.d"),
    definitionsDir: join(dir, "definitions"),
  };
}

async function request(containerId: string, network: string): Promise<AttachNetworksRequest> {
  return {
    containerId,
    netnsPath: await netns.path(containerId),
    pod: { namespace: "ns1", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: { [NETWORKS]: network } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
  };
}

const watchRequest = (over: Partial<WatchEventsRequest> = {}): WatchEventsRequest => ({
  podNamespace: "",
  podName: "",
  containerId: "",
  network: "",
  replayRecent: false,
  recentOnly: false,
  ...over,
});

/** Reads a stream until `until` says stop (or it ends); cancels it then. */
async function collect(
  stream: AsyncIterable<WatchEventsResponse>,
  until: (got: WatchEventsResponse[]) => boolean,
): Promise<WatchEventsResponse[]> {
  const got: WatchEventsResponse[] = [];
  for await (const item of stream) {
    got.push(item);
    if (until(got)) break;
  }
  return got;
}

const eventsOf = (items: WatchEventsResponse[]): AttachmentEvent[] => items.flatMap((i) => (i.event ? [i.event] : []));
/** The kinds this test drives (lifecycle may add rollback events around a failed ADD). */
const driven = (e: AttachmentEvent): boolean =>
  e.kind === EventKind.EVENT_KIND_ATTACH || e.kind === EventKind.EVENT_KIND_DETACH;

async function metrics(d: TestDaemon): Promise<ReturnType<typeof parsePrometheusText>> {
  const res = await fetch(`http://127.0.0.1:${d.httpPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe("event stream and metrics of a composed daemon", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startComposedDaemon(
      { ...(await setup()), events: { historySize: 64, bufferSize: 256, maxWatchers: 3 } },
      { dir },
    );
  });
  afterAll(async () => {
    await d?.stop();
    await netns?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("WatchEvents delivers a concurrent attach/detach run in order per container, every field set", async () => {
    const ac = new AbortController();
    // replay_recent: whatever happens before the server subscribes this reader comes from the history.
    const stream = d.client.events.watchEvents(watchRequest({ replayRecent: true }), { signal: ac.signal });
    const ids = ["w1", "w2", "w3", "w4", "w5", "w6"];
    const failing = new Set(["w5", "w6"]);
    const reading = collect(stream, (got) => eventsOf(got).filter(driven).length >= ids.length * 2);
    await Promise.all(
      ids.map(async (id) => {
        const attached = d.client.api.attachNetworks(await request(id, failing.has(id) ? "red" : "blue"));
        if (failing.has(id)) await rpcFailure(attached);
        else await attached;
        await d.client.api.detachNetworks({ containerId: id });
      }),
    );
    const all = eventsOf(await reading);
    ac.abort();
    expect(all.map((e) => e.sequence)).toEqual([...all.map((e) => e.sequence)].sort((a, b) => a - b));

    for (const id of ids) {
      const mine = all.filter((e) => e.containerId === id && driven(e));
      const ok = !failing.has(id);
      expect(mine.map((e) => [EventKind[e.kind], EventOutcome[e.outcome]])).toEqual([
        ["EVENT_KIND_ATTACH", ok ? "EVENT_OUTCOME_OK" : "EVENT_OUTCOME_FAILED"],
        ["EVENT_KIND_DETACH", "EVENT_OUTCOME_OK"],
      ]);
      const [attach, detach] = mine as [AttachmentEvent, AttachmentEvent];
      expect(attach.sequence).toBeLessThan(detach.sequence);
      expect(attach.pod).toEqual({ namespace: "ns1", name: `pod-${id}`, uid: `uid-${id}` });
      expect(attach.time!.getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(attach.duration!.seconds * 1e3 + attach.duration!.nanos / 1e6).toBeGreaterThan(0);
      if (ok) {
        expect(attach.interfaces).toEqual([
          { network: "cluster", interface: "eth0", ips: ["10.1.2.3/24"] },
          { network: "ns1/blue", interface: "net1", ips: ["10.1.2.3/24"] },
        ]);
        expect(attach.reason).toBe("");
        expect(detach.message).toBe("removed net1 (ns1/blue), eth0 (cluster)");
        // The DEL named only the container: pod and interfaces are the saved attachment's.
        expect([detach.pod, detach.interfaces]).toEqual([attach.pod, attach.interfaces]);
      } else {
        expect(attach).toMatchObject({ reason: "PLUGIN_FAILED", network: "ns1/red", plugin: "noop", interfaces: [] });
        expect(attach.message).toContain("red is closed");
      }
    }
  });

  it("filters by container and network; recent_only sends the history and ends", async () => {
    const byContainer = await collect(
      d.client.events.watchEvents(watchRequest({ containerId: "w2", recentOnly: true })),
      () => false,
    );
    expect(
      eventsOf(byContainer)
        .filter(driven)
        .map((e) => [e.containerId, EventKind[e.kind]]),
    ).toEqual([
      ["w2", "EVENT_KIND_ATTACH"],
      ["w2", "EVENT_KIND_DETACH"],
    ]);
    const byNetwork = await collect(
      d.client.events.watchEvents(watchRequest({ network: "ns1/red", recentOnly: true })),
      () => false,
    );
    // The failed ADDs of ns1/red and their rollbacks (which name the network whose delegate failed).
    expect(
      eventsOf(byNetwork)
        .map((e) => `${e.containerId} ${EventKind[e.kind]}`)
        .sort(),
    ).toEqual(["w5 EVENT_KIND_ATTACH", "w5 EVENT_KIND_ROLLBACK", "w6 EVENT_KIND_ATTACH", "w6 EVENT_KIND_ROLLBACK"]);
    const byPod = await collect(
      d.client.events.watchEvents(watchRequest({ podNamespace: "ns1", podName: "pod-w1", recentOnly: true })),
      () => false,
    );
    expect(eventsOf(byPod).map((e) => `${e.containerId} ${EventKind[e.kind]}`)).toEqual([
      "w1 EVENT_KIND_ATTACH",
      "w1 EVENT_KIND_DETACH",
    ]);
    const blueDels = await collect(
      d.client.events.watchEvents(watchRequest({ network: "ns1/blue", recentOnly: true })),
      () => false,
    );
    expect(
      eventsOf(blueDels)
        .filter((e) => e.kind === EventKind.EVENT_KIND_DETACH)
        .map((e) => e.containerId)
        .sort(),
    ).toEqual(["w1", "w2", "w3", "w4"]);
  });

  it("refuses a watcher over events.maxWatchers with WATCH_LIMIT; a cancelled one frees its place", async () => {
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    // Each replays the history first: its first item proves the server has subscribed it.
    const open = controllers.map((ac) =>
      d.client.events.watchEvents(watchRequest({ replayRecent: true }), { signal: ac.signal })[Symbol.asyncIterator](),
    );
    expect((await Promise.all(open.map((it) => it.next()))).every((r) => r.value?.event !== undefined)).toBe(true);
    const pending = open.map((it) => it.next().catch(() => undefined));
    const refused = await rpcFailure(collect(d.client.events.watchEvents(watchRequest()), () => true));
    expect(refused.code).toBe("RESOURCE_EXHAUSTED");
    expect(refused.info.reason).toBe("WATCH_LIMIT");
    expect(refused.message).toContain("events.maxWatchers");
    controllers[0]!.abort();
    await pending[0];
    let replay: WatchEventsResponse[] = [];
    for (let i = 0; i < 50 && replay.length === 0; i++) {
      replay = await collect(d.client.events.watchEvents(watchRequest({ replayRecent: true })), () => true).catch(
        () => [],
      );
      if (replay.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(replay.length).toBe(1);
    for (const ac of controllers) ac.abort();
    await Promise.all(pending);
  });

  it("/metrics parses as Prometheus text, and its counters and histograms move with attach and detach", async () => {
    const before = await metrics(d);
    const count = (m: typeof before, name: string, labels: Record<string, string>) => sampleValue(m, name, labels);
    await d.client.api.attachNetworks(await request("m1", "blue"));
    const attached = await metrics(d);
    await rpcFailure(d.client.api.checkNetworks({ containerId: "never-attached" }));
    await d.client.api.detachNetworks({ containerId: "m1" });
    await rpcFailure(d.client.api.attachNetworks(await request("m2", "red")));
    await d.client.api.detachNetworks({ containerId: "m2" });
    const after = await metrics(d);

    const calls = "netattach_operation_duration_seconds_count";
    expect(
      count(attached, calls, { operation: "attach", result: "ok" }) -
        count(before, calls, { operation: "attach", result: "ok" }),
    ).toBe(1);
    expect(
      count(after, calls, { operation: "attach", result: "failed" }) -
        count(before, calls, { operation: "attach", result: "failed" }),
    ).toBe(1);
    expect(
      count(after, calls, { operation: "detach", result: "ok" }) -
        count(before, calls, { operation: "detach", result: "ok" }),
    ).toBe(2);
    expect(
      count(after, calls, { operation: "check", result: "failed" }) -
        count(before, calls, { operation: "check", result: "failed" }),
    ).toBe(1);
    expect(count(after, "netattach_operation_duration_seconds_sum", { operation: "attach" })).toBeGreaterThan(
      count(before, "netattach_operation_duration_seconds_sum", { operation: "attach" }),
    );

    const perNet = "netattach_network_operation_duration_seconds_count";
    expect(
      count(attached, perNet, { operation: "attach", network: "ns1/blue", result: "ok" }) -
        count(before, perNet, { operation: "attach", network: "ns1/blue", result: "ok" }),
    ).toBe(1);
    expect(
      count(after, perNet, { operation: "attach", network: "ns1/red", result: "failed" }) -
        count(before, perNet, { operation: "attach", network: "ns1/red", result: "failed" }),
    ).toBe(1);

    const errors = "netattach_errors_total";
    expect(
      count(after, errors, { operation: "attach", reason: "PLUGIN_FAILED" }) -
        count(before, errors, { operation: "attach", reason: "PLUGIN_FAILED" }),
    ).toBe(1);
    expect(
      count(after, errors, { operation: "check", reason: "ATTACHMENT_NOT_FOUND" }) -
        count(before, errors, { operation: "check", reason: "ATTACHMENT_NOT_FOUND" }),
    ).toBe(1);

    const execs = "netattach_plugin_exec_duration_seconds_count";
    expect(
      count(attached, execs, { command: "ADD", plugin: "noop", network: "blue", result: "ok" }) -
        count(before, execs, { command: "ADD", plugin: "noop", network: "blue", result: "ok" }),
    ).toBe(1);
    expect(
      count(after, execs, { command: "ADD", plugin: "noop", network: "red", result: "failed" }) -
        count(before, execs, { command: "ADD", plugin: "noop", network: "red", result: "failed" }),
    ).toBe(1);

    const waits = "netattach_lock_wait_seconds_count";
    for (const lock of ["call-slot", "container", "gc-shared"])
      expect(count(after, waits, { lock }) - count(before, waits, { lock })).toBeGreaterThanOrEqual(4);

    expect(count(attached, "netattach_attachments", { phase: "attached" })).toBe(1);
    expect(count(after, "netattach_attachments", { phase: "attached" })).toBe(0);
    expect(count(after, "netattach_calls_in_flight", { operation: "attach" })).toBe(0);
    expect(after.get("netattach_calls_in_flight")?.type).toBe("gauge");
    expect(after.get("process_cpu_user_seconds_total")?.type).toBe("counter");
  });

  it("/healthz answers, unknown paths are 404, only GET", async () => {
    const base = `http://127.0.0.1:${d.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

describe("shutdown", () => {
  it("ends open WatchEvents streams cleanly and does not wait for them", async () => {
    const local = await startComposedDaemon({ ...(await setup()), shutdownTimeoutMs: 20_000 }, { dir });
    const stream = local.client.events.watchEvents(watchRequest({ replayRecent: true }));
    const reading = collect(stream, () => false);
    await local.client.api.attachNetworks(await request("s1", "blue"));
    const started = Date.now();
    await local.daemon.stop();
    const got = await reading; // the stream ended without an error
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(
      eventsOf(got)
        .filter(driven)
        .map((e) => [e.containerId, EventKind[e.kind]]),
    ).toEqual([["s1", "EVENT_KIND_ATTACH"]]);
    await local.stop();
    await netns.close();
    await rm(dir, { recursive: true, force: true });
  });
});
