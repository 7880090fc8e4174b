// A DEL with nothing saved, through the service behind the readiness gate as the daemon serves it:
// which cluster network it releases (the pod's own, as its ADD got it) and what it does while the
// daemon has not been ready yet (waits, then releases; or fails for the runtime's retry).
import { setTimeout as sleep } from "node:timers/promises";
import pino, { type Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { ERROR_CODES } from "../errors/error-codes.js";
import { createReadiness, type ReadinessOptions, type ReadinessVerdict } from "../health/readiness.js";
import {
  createMemorySource,
  createNetworkResolver,
  DEFAULT_NETWORK_ANNOTATION,
  type NetworkDefinition,
  type NetworkSource,
  type PodLookup,
  type PodSource,
} from "../resolve/index.js";
import { BASE_SELECTION } from "../resolve/selection-config.test-helper.js";
import { timeoutSignal } from "./call-deadline.js";
import { createAttachmentService } from "./create-attachment-service.js";
import { gateAttachOnReadiness } from "./ready-gate.js";
import { buildPlan } from "./plan.js";
import {
  conf,
  fakeServiceDeps,
  network,
  pod,
  recordingRuntime,
  rejection,
  request,
  tempStore,
} from "./testing.test-helper.js";

const stored = tempStore("detach-unrecorded-");

const nad = (namespace: string, name: string): NetworkDefinition => ({
  namespace,
  name,
  config: { cniVersion: "1.0.0", name, type: "bridge" },
  origin: { kind: "network-attachment-definition", namespace, name, configFrom: "spec.config" },
});
const DEFINITIONS = [nad("kube-system", "cluster-net"), nad("kube-system", "alt-cluster")];

/**
 * The Kubernetes definitions as a daemon sees them: before `synced` a lookup misses the informer
 * cache and its live GET cannot reach the API server (kube-network-source.ts, live-get.ts).
 */
function kubeDefinitions(): NetworkSource & { synced: boolean } {
  const memory = createMemorySource(DEFINITIONS, "Kubernetes NetworkAttachmentDefinitions");
  const source = {
    synced: false,
    description: memory.description,
    ready: () => source.synced,
    lookup: async (ref: { namespace: string; name: string }, opts?: { signal?: AbortSignal }) => {
      if (source.synced) return memory.lookup(ref, opts);
      throw new DaemonError(
        "KUBE_API_UNAVAILABLE",
        `reading NetworkAttachmentDefinition ${ref.namespace}/${ref.name}: connect ECONNREFUSED 10.96.0.1:443`,
        { phase: "kube", source: `NetworkAttachmentDefinition ${ref.namespace}/${ref.name}` },
      );
    },
  };
  return source;
}

function capturingLog(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}
const warnings = (lines: Array<{ level: number; msg: string }>) =>
  lines.filter((l) => l.level === 40).map((l) => l.msg);

const health = { setStatus: () => undefined } as unknown as ReadinessOptions["health"];
const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((s) => s()));

/**
 * The service behind the readiness gate, as daemon.ts serves it: the real poller (long periods:
 * only the checks asked for run) with `verdict` as the domain's readiness.
 */
async function served(opts: {
  definitions: NetworkSource;
  pods?: PodSource;
  verdict: () => ReadinessVerdict;
  maxConcurrent?: number;
  callTimeoutMs?: number;
}) {
  const runtime = recordingRuntime();
  const resolver = createNetworkResolver({
    sources: { definitions: [opts.definitions], confDir: createMemorySource([], "conf dir") },
    config: BASE_SELECTION,
  });
  const domain = createAttachmentService(
    fakeServiceDeps({
      runtime,
      resolver,
      store: stored.store,
      orphans: stored.orphans,
      ...(opts.pods !== undefined ? { podSource: opts.pods } : {}),
      limits: { maxConcurrent: opts.maxConcurrent ?? 2, callTimeoutMs: opts.callTimeoutMs ?? 60_000 },
    }),
  );
  let checks = 0;
  let stopping = false;
  const readiness = createReadiness({
    health,
    services: [],
    log: pino({ level: "silent" }),
    check: async () => (checks++, opts.verdict()),
    intervalMs: { notReady: 3_600_000, ready: 3_600_000 },
  });
  stops.push(() => readiness.stop());
  await readiness.start();
  const service = gateAttachOnReadiness(domain, {
    reached: () => readiness.wasReady(),
    checkNow: () => readiness.checkNow(),
    stopping: () => stopping,
  });
  return {
    service,
    runtime,
    readiness,
    checks: () => checks,
    stop: () => void (stopping = true),
    dels: () => runtime.calls.filter((c) => c.op === "del").map((c) => `${c.network} ${c.ifName}`),
  };
}

const NOT_SYNCED: ReadinessVerdict = {
  ready: false,
  reasons: ["informer networkattachmentdefinitions (all namespaces): connect ECONNREFUSED 10.96.0.1:443"],
};
const verdictOf = (source: { synced: boolean }) => (): ReadinessVerdict =>
  source.synced ? { ready: true, reasons: [] } : NOT_SYNCED;

describe("a DEL with nothing saved, before the daemon has been ready once", () => {
  it("waits for readiness when its cluster network (a definition) does not resolve yet, then releases it", async () => {
    const definitions = kubeDefinitions();
    const d = await served({ definitions, verdict: verdictOf(definitions) });
    expect(d.readiness.wasReady()).toBe(false);
    const { log, lines } = capturingLog();
    setTimeout(() => (definitions.synced = true), 400);
    const res = await d.service.detach({ containerId: "old", pod }, { signal: new AbortController().signal, log });
    expect(res).toEqual({ removed: [{ network: "kube-system/cluster-net", ifName: "eth0" }], orphaned: [] });
    expect(d.dels()).toEqual(["cluster-net eth0"]);
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toContain(
      "no saved attachment for old: waiting for netattachd to be ready before choosing the cluster network to release",
    );
    expect(warnings(lines)).toEqual([
      "no saved attachment for old: released the cluster network kube-system/cluster-net from its current config; secondary networks, if any, are unknown",
    ]);
  });

  it("fails with NOT_READY (retryable: the runtime retries DEL) when not ready within its time, having run nothing", async () => {
    const definitions = kubeDefinitions();
    const d = await served({ definitions, verdict: verdictOf(definitions) });
    const err = await rejection(
      d.service.detach(
        { containerId: "old", pod },
        { signal: AbortSignal.timeout(700), log: pino({ level: "silent" }) },
      ),
    );
    expect(err.code).toBe("NOT_READY");
    expect(ERROR_CODES[err.code]).toMatchObject({ status: "UNAVAILABLE", cniCode: 11 });
    expect(err.message).toBe(
      `no saved attachment for old: netattachd is not ready (${NOT_SYNCED.reasons[0]}), and until it is the cluster network to release cannot be told (reading NetworkAttachmentDefinition kube-system/cluster-net: connect ECONNREFUSED 10.96.0.1:443); nothing was released, try again`,
    );
    expect(d.checks()).toBeGreaterThan(1); // asked again while waiting
    expect(d.runtime.calls).toEqual([]);
    expect(await stored.store.list()).toEqual([]);
  });

  it("waits half the time left before its deadline, the caller's or callTimeoutMs: its NOT_READY reaches the caller in time", async () => {
    for (const { caller, callTimeoutMs } of [
      { caller: timeoutSignal(2_000), callTimeoutMs: 60_000 },
      { caller: new AbortController().signal, callTimeoutMs: 2_000 },
    ]) {
      const definitions = kubeDefinitions();
      const d = await served({ definitions, verdict: verdictOf(definitions), callTimeoutMs });
      const started = performance.now();
      const err = await rejection(
        d.service.detach({ containerId: "old", pod }, { signal: caller, log: pino({ level: "silent" }) }),
      );
      const took = performance.now() - started;
      expect(err.code).toBe("NOT_READY");
      expect(caller.aborted).toBe(false);
      expect(took).toBeGreaterThan(900);
      expect(took).toBeLessThan(1_500);
      expect(d.runtime.calls).toEqual([]);
    }
  });

  it("fails with NOT_READY at once from the start of shutdown", async () => {
    const definitions = kubeDefinitions();
    const d = await served({ definitions, verdict: verdictOf(definitions) });
    d.stop();
    const started = Date.now();
    const err = await rejection(
      d.service.detach(
        { containerId: "old", pod },
        { signal: AbortSignal.timeout(10_000), log: pino({ level: "silent" }) },
      ),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toContain("netattachd is not ready (netattachd is shutting down)");
    expect(d.runtime.calls).toEqual([]);
  });

  it("waits holding no call slot nor lock: a DEL of a saved attachment completes meanwhile (maxConcurrent 1)", async () => {
    const definitions = kubeDefinitions();
    const d = await served({ definitions, verdict: verdictOf(definitions), maxConcurrent: 1 });
    const plan = buildPlan(request({ containerId: "saved" }), [network("cluster", "cbr0", conf("cbr0", "bridge"))]);
    const at = new Date().toISOString();
    await stored.store.save({ version: 1, plan, results: {}, phase: "attached", createdAt: at, updatedAt: at });
    const { log, lines } = capturingLog();
    const waiting = d.service.detach({ containerId: "old", pod }, { signal: AbortSignal.timeout(10_000), log });
    while (!lines.some((l) => l.msg.includes("waiting for netattachd to be ready"))) await sleep(20);
    const res = await d.service.detach(
      { containerId: "saved" },
      { signal: AbortSignal.timeout(2_000), log: pino({ level: "silent" }) },
    );
    expect(res).toEqual({ removed: [{ network: "cbr0", ifName: "eth0" }], orphaned: [] });
    expect(d.dels()).toEqual(["cbr0 eth0"]);
    definitions.synced = true;
    expect((await waiting).removed).toEqual([{ network: "kube-system/cluster-net", ifName: "eth0" }]);
    expect(d.dels()).toEqual(["cbr0 eth0", "cluster-net eth0"]);
  });

  it("does not wait when its cluster network resolves", async () => {
    const definitions = kubeDefinitions();
    definitions.synced = true;
    const d = await served({ definitions, verdict: () => NOT_SYNCED });
    const checks = d.checks();
    await d.service.detach(
      { containerId: "old", pod },
      { signal: AbortSignal.timeout(5_000), log: pino({ level: "silent" }) },
    );
    expect(d.dels()).toEqual(["cluster-net eth0"]);
    expect(d.checks()).toBe(checks);
  });
});

describe("a DEL with nothing saved, once the daemon has been ready", () => {
  it("does not wait: a cluster network that does not resolve is logged and the DEL succeeds, as teardown always finishes", async () => {
    const definitions = kubeDefinitions();
    definitions.synced = true;
    const d = await served({ definitions, verdict: verdictOf(definitions) });
    expect(d.readiness.wasReady()).toBe(true);
    definitions.synced = false; // the API server went away since
    const checks = d.checks();
    const { log, lines } = capturingLog();
    const res = await d.service.detach({ containerId: "old", pod }, { signal: AbortSignal.timeout(5_000), log });
    expect(res).toEqual({ removed: [], orphaned: [] });
    expect(d.checks()).toBe(checks);
    expect(d.runtime.calls).toEqual([]);
    expect(warnings(lines)).toEqual([
      "no saved attachment for old: its cluster network could not be resolved, so nothing was released",
    ]);
  });
});

describe("a DEL with nothing saved releases the pod's own cluster network", () => {
  function pods(found: (namespace: string, name: string, uid?: string) => PodLookup): PodSource & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      ready: () => true,
      getPod: async (namespace, name, opts) => (
        asked.push(`${namespace}/${name} uid=${opts?.uid}`),
        found(namespace, name, opts?.uid)
      ),
    };
  }
  const annotated = (value: string, uid = pod.uid) =>
    pods((namespace, name) => ({
      found: { namespace, name, uid, annotations: { [DEFAULT_NETWORK_ANNOTATION]: value } },
    }));
  /** A DEL with the definitions synced; `notReady`: readiness not reached yet all the same (another informer). */
  async function del(source: PodSource, notReady?: { signal: AbortSignal }) {
    const definitions = kubeDefinitions();
    definitions.synced = true;
    const verdict = notReady !== undefined ? () => NOT_SYNCED : verdictOf(definitions);
    const d = await served({ definitions, pods: source, verdict });
    const checks = d.checks();
    const { log, lines } = capturingLog();
    const signal = notReady?.signal ?? AbortSignal.timeout(5_000);
    const res = await d.service.detach({ containerId: "old", pod }, { signal, log });
    return { res, dels: d.dels(), warned: warnings(lines), checked: d.checks() - checks };
  }

  it("the network its default-network annotation names, as its ADD got it", async () => {
    const source = annotated("alt-cluster");
    const { res, dels, warned } = await del(source);
    expect(source.asked).toEqual(["default/web uid=uid-1"]);
    expect(dels).toEqual(["alt-cluster eth0"]);
    expect(res.removed).toEqual([{ network: "kube-system/alt-cluster", ifName: "eth0" }]);
    expect(warned).toEqual([
      "no saved attachment for old: released the cluster network kube-system/alt-cluster from its current config; secondary networks, if any, are unknown",
    ]);
  });

  it("the daemon's clusterNetwork when the pod is gone from the API server or was recreated, said in the warn line", async () => {
    const gone = await del(pods(() => ({ reason: "not-found" })));
    expect(gone.dels).toEqual(["cluster-net eth0"]);
    expect(gone.warned).toEqual([
      "no saved attachment for old: released the cluster network kube-system/cluster-net from its current config (pod default/web is not known to the API server: the daemon's clusterNetwork, whatever the pod's default-network annotation said); secondary networks, if any, are unknown",
    ]);
    const recreated = await del(annotated("alt-cluster", "uid-2"));
    expect(recreated.dels).toEqual(["cluster-net eth0"]);
    expect(recreated.warned[0]).toContain(
      "(pod default/web has UID uid-2 but the runtime asked for UID uid-1 (the pod was recreated): the daemon's clusterNetwork",
    );
  });

  it("the daemon's clusterNetwork when the annotation cannot be used (a bad value, a definition that is gone): logged, never a failed DEL", async () => {
    const bad = await del(annotated("a,b"));
    expect(bad.res.orphaned).toEqual([]);
    expect(bad.dels).toEqual(["cluster-net eth0"]);
    expect(bad.warned).toEqual([
      `no saved attachment for old: released the cluster network kube-system/cluster-net from its current config (pod default/web: ${DEFAULT_NETWORK_ANNOTATION}: must name exactly one network, got 2; so the daemon's clusterNetwork); secondary networks, if any, are unknown`,
    ]);
    const missing = await del(annotated("kube-system/deleted"));
    expect(missing.dels).toEqual(["cluster-net eth0"]);
    expect(missing.warned[0]).toMatch(
      /\(pod default\/web: .*network kube-system\/deleted not found.*; so the daemon's clusterNetwork\)/,
    );
  });

  it("before the first readiness, at once when the annotation is one no sync can mend (unparsable, more than one network): the daemon's clusterNetwork, the warn line saying why", async () => {
    for (const [value, why] of [
      [
        '[{"name": "alt-cluster"',
        `${DEFAULT_NETWORK_ANNOTATION}: is neither the text form (ns/name@if, ...) nor valid JSON`,
      ],
      ["a,b", `${DEFAULT_NETWORK_ANNOTATION}: must name exactly one network, got 2`],
    ]) {
      const started = Date.now();
      const { res, dels, warned, checked } = await del(annotated(value!), { signal: AbortSignal.timeout(3_000) });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(checked).toBe(0); // readiness not waited for
      expect(res).toEqual({ removed: [{ network: "kube-system/cluster-net", ifName: "eth0" }], orphaned: [] });
      expect(dels).toEqual(["cluster-net eth0"]);
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain(
        "no saved attachment for old: released the cluster network kube-system/cluster-net from its current config (pod default/web: ",
      );
      expect(warned[0]).toContain(why);
      expect(warned[0]).toContain("; so the daemon's clusterNetwork)");
    }
  });

  it("before the first readiness, an unparsable annotation and a clusterNetwork not synced yet: waits, NOT_READY naming what a sync may change", async () => {
    const definitions = kubeDefinitions();
    const d = await served({ definitions, pods: annotated("a,b"), verdict: verdictOf(definitions) });
    const err = await rejection(
      d.service.detach(
        { containerId: "old", pod },
        { signal: AbortSignal.timeout(700), log: pino({ level: "silent" }) },
      ),
    );
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toContain(
      "the cluster network to release cannot be told (reading NetworkAttachmentDefinition kube-system/cluster-net: connect ECONNREFUSED 10.96.0.1:443)",
    );
    expect(d.runtime.calls).toEqual([]);
  });

  it("before the first readiness, a definition the annotation names that is not found yet still waits, then fails NOT_READY naming it", async () => {
    const err = await rejection(del(annotated("kube-system/unsynced"), { signal: AbortSignal.timeout(700) }));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toMatch(
      /until it is the cluster network to release cannot be told \(.*network kube-system\/unsynced not found/,
    );
  });
});
