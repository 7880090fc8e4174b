// Daemon overhead (root; a benchmark, not a test): AttachNetworks / DetachNetworks through the
// real netattachd (composed as main.ts does, in this process, on its own socket and state dir)
// with a real gRPC client (on its own thread by default, as the shim is its own process),
// against the same delegate (bridge + host-local) executed directly with the same env and
// stdin, paired per iteration. Prints RPC time, the delegates' own exec time inside the
// daemon, the daemon's overhead (RPC − exec) and where that overhead goes (timing proxies on
// the daemon's dependencies via ComposeOptions.instrument, and every fsync).
// Goal: ≤ 3 ms per RPC beyond the plugins' own exec time.
//
//   npx tsx test/bench/daemon-overhead.ts [iterations=40] [--log-level info] [--nads 20] [--client thread|same]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { composeDaemon } from "../../server/src/compose-daemon.js";
import { createSpawnExec, type ExecRequest, type PluginExec } from "../../server/src/cni/index.js";
import { DEFAULTS, LOG_LEVELS, type DaemonConfig, type LogLevel } from "../../server/src/config/index.js";
import { loadDescriptorSet } from "../../server/src/grpc/descriptor-set.js";
import { createLogger } from "../../server/src/log/create-logger.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { deleteHostLinks } from "../helpers/host-net.js";
import { randomSubnet } from "../helpers/netconf-fixture.js";
import { createNetns, uniqueName } from "../helpers/netns.js";
import { pairedDiff, quantile, stats } from "./bench-stats.js";
import { execDirect } from "./direct-exec.js";
import { benchClient } from "./bench-client.js";
import { createPhaseRecorder, type PhaseTotals } from "./phase-recorder.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "log-level": { type: "string" }, nads: { type: "string" }, client: { type: "string" } } });
const N = Number(positionals[0] ?? 40);
const LOG_LEVEL = (values["log-level"] ?? "info") as LogLevel;
const NADS = Number(values.nads ?? 20);
/** thread: the client on a worker thread, like the shim in its own process; same: on the daemon's event loop. */
const CLIENT = values.client ?? "thread";
const WARMUP = 5;
const GOAL_MS = 3;
if (process.getuid?.() !== 0) throw new Error("run as root: the bridge plugin needs a network namespace");
if (!Number.isInteger(N) || N < 1 || !LOG_LEVELS.includes(LOG_LEVEL) || !["thread", "same"].includes(CLIENT)) {
  throw new Error("usage: daemon-overhead.ts [iterations] [--log-level LEVEL] [--nads K] [--client thread|same]");
}

type Phases = Map<string, PhaseTotals>;
interface Sample {
  rpc: number;
  exec: number;
  direct: number;
  phases: Phases;
}

/** A PluginExec that keeps the delegate requests the daemon made (to replay them directly). */
function recordingExec(): { exec: PluginExec; calls: ExecRequest[] } {
  const real = createSpawnExec();
  const calls: ExecRequest[] = [];
  return { calls, exec: { findInPath: (t, d) => real.findInPath(t, d), exec: (req) => (calls.push(req), real.exec(req)) } };
}

/** The daemon's request for `command`, re-targeted at another container and netns. */
function directCall(req: ExecRequest, containerId: string, netns: string, prevResult?: Buffer): { path: string; env: Record<string, string>; stdin: Buffer } {
  const conf = JSON.parse(req.stdin.toString()) as Record<string, unknown>;
  if (prevResult !== undefined && "prevResult" in conf) conf.prevResult = JSON.parse(prevResult.toString());
  return { path: req.path, env: { ...req.env, CNI_CONTAINERID: containerId, CNI_NETNS: netns }, stdin: Buffer.from(JSON.stringify(conf)) };
}

async function writeWorld(dir: string, bridge: string): Promise<{ confDir: string; defsDir: string }> {
  const confDir = join(dir, "net.d");
  const defsDir = join(dir, "definitions");
  await mkdir(confDir, { recursive: true });
  await mkdir(defsDir, { recursive: true });
  const subnet = randomSubnet();
  const ipam = { type: "host-local", dataDir: join(dir, "ipam"), ranges: [[{ subnet: subnet.subnet, gateway: subnet.gateway }]], routes: [{ dst: "0.0.0.0/0" }] };
  await writeFile(join(confDir, "10-bench.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "bench", plugins: [{ type: "bridge", bridge, isGateway: true, ipMasq: false, ipam }] }, null, 2));
  // A node's conf dir and a definitions dir hold more than the one network in use.
  for (let i = 0; i < 4; i++) await writeFile(join(confDir, `20-other${i}.conf`), JSON.stringify({ cniVersion: "1.0.0", name: `other${i}`, type: "macvlan", master: "lo", ipam: { type: "host-local", subnet: "10.9.0.0/24" } }));
  for (let i = 0; i < NADS; i++) {
    const config = JSON.stringify({ cniVersion: "1.0.0", name: `nad${i}`, type: "macvlan", master: "lo", ipam: { type: "host-local", subnet: `10.8.${i % 250}.0/24` } });
    await writeFile(join(defsDir, `nad${i}.yaml`), `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: nad${i}\n  namespace: default\nspec:\n  config: '${config}'\n`);
  }
  return { confDir, defsDir };
}

const sumOf = (p: Phases, pred: (k: string) => boolean): number => [...p].filter(([k]) => pred(k)).reduce((s, [, t]) => s + t.ms, 0);
const execOf = (p: Phases, command: string): number => p.get(`exec ${command}`)?.ms ?? 0;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "na-bench-daemon-"));
  const bridge = uniqueName("p1b");
  const rand = bridge.slice(3, 9);
  const netns = { daemon: await createNetns("p1-bench-d-"), direct: await createNetns("p1-bench-x-") };
  const recorder = createPhaseRecorder();
  recorder.patchFsync();
  const { exec, calls } = recordingExec();
  let stop = async (): Promise<void> => undefined;
  try {
    const { confDir, defsDir } = await writeWorld(dir, bridge);
    const config: DaemonConfig = {
      ...DEFAULTS,
      socketPath: join(dir, "run", "netattach.sock"),
      stateDir: join(dir, "state"),
      cniConfDir: confDir,
      definitionsDir: defsDir,
      cniBinDirs: CNI_BIN_DIRS,
      clusterNetwork: "bench",
      defaultNamespace: "default",
      logLevel: LOG_LEVEL,
    };
    // Like main.ts with stdout on a file: synchronous JSON lines.
    const log = createLogger({ level: LOG_LEVEL, destination: pino.destination({ dest: join(dir, "netattachd.log"), sync: true }) });
    // The exec seam is timed here (not through `instrument`), so the headline rows also work
    // against a daemon that predates ComposeOptions.instrument.
    const daemon = await composeDaemon({
      config,
      log,
      descriptorSet: await loadDescriptorSet(),
      exec: recorder.instrument("exec", exec),
      instrument: (name, dep) => (name === "exec" ? dep : recorder.instrument(name, dep)),
      ...(process.env.PATH ? { pluginPath: process.env.PATH } : {}),
    });
    await daemon.start();
    const client = benchClient(config.socketPath, CLIENT === "thread" ? "thread" : "same");
    stop = async () => {
      client.close();
      await daemon.stop();
    };
    for (let i = 0; !(await client.call("status")).ready; i++) {
      if (i > 100) throw new Error("netattachd never became ready");
      await new Promise((r) => setTimeout(r, 50));
    }

    const pod = (id: string): { namespace: string; name: string; uid: string } => ({ namespace: "default", name: `pod-${id}`, uid: `uid-${id}` });
    const add: Sample[] = [];
    const del: Sample[] = [];
    const floor: number[] = [];
    let template: { add: ExecRequest; del: ExecRequest } | undefined;
    for (let i = 0; i < WARMUP + N; i++) {
      const id = `p1b${rand}${i}`;
      const s = { add: { rpc: 0, exec: 0, direct: 0, phases: new Map() } as Sample, del: { rpc: 0, exec: 0, direct: 0, phases: new Map() } as Sample };
      const viaDaemon = async (): Promise<void> => {
        calls.length = 0;
        recorder.begin();
        s.add.rpc = (await client.call("attach", { containerId: id, netnsPath: netns.daemon.path, pod: pod(id), annotations: { values: {} }, primaryInterface: "eth0", cniVersion: "1.0.0", selections: [], cniArgs: [] })).ms;
        s.add.phases = recorder.end();
        recorder.begin();
        s.del.rpc = (await client.call("detach", { containerId: id, netnsPath: netns.daemon.path, pod: pod(id) })).ms;
        s.del.phases = recorder.end();
        s.add.exec = execOf(s.add.phases, "ADD");
        s.del.exec = execOf(s.del.phases, "DEL");
        const a = calls.find((c) => c.command === "ADD");
        const d = calls.find((c) => c.command === "DEL");
        if (template === undefined && a !== undefined && d !== undefined) template = { add: a, del: d };
      };
      const direct = async (): Promise<void> => {
        if (template === undefined) return;
        const cid = `${id}x`;
        let t0 = performance.now();
        const out = await execDirect(directCall(template.add, cid, netns.direct.path), "spawn");
        s.add.direct = performance.now() - t0;
        const delCall = directCall(template.del, cid, netns.direct.path, out);
        t0 = performance.now();
        await execDirect(delCall, "spawn");
        s.del.direct = performance.now() - t0;
      };
      for (const run of i % 2 === 0 ? [viaDaemon, direct] : [direct, viaDaemon]) await run();
      const f = (await client.call("health")).ms;
      if (i >= WARMUP) {
        add.push(s.add);
        del.push(s.del);
        floor.push(f);
      }
    }
    report(add, del, floor);
  } finally {
    await stop().catch(() => undefined);
    await netns.daemon.delete();
    await netns.direct.delete();
    await deleteHostLinks(bridge);
    await rm(dir, { recursive: true, force: true });
  }
}

const med = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
const cell = (xs: readonly number[]): string => {
  const s = stats(xs);
  return `${s.median.toFixed(2).padStart(7)} / ${s.p90.toFixed(2).padStart(7)}`;
};

function report(add: readonly Sample[], del: readonly Sample[], floor: readonly number[]): void {
  const line = (label: string, a: readonly number[], d: readonly number[]): void => console.log(`  ${label.padEnd(44)} ${cell(a)}   ${cell(d)}`);
  const col = (xs: readonly Sample[], f: (s: Sample) => number): number[] => xs.map(f);
  console.log(`\nnetattachd AttachNetworks / DetachNetworks: bridge + host-local cluster network, ${N} iterations (+${WARMUP} warm-up)`);
  console.log(`node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}, log level ${LOG_LEVEL}, ${NADS} definitions on disk, client on ${CLIENT === "thread" ? "its own thread" : "the daemon's thread"}`);
  console.log(`\n  ${"ms".padEnd(44)} ${"ADD median / p90".padStart(17)}   ${"DEL median / p90".padStart(17)}`);
  line("RPC (gRPC client, over the unix socket)", col(add, (s) => s.rpc), col(del, (s) => s.rpc));
  line("delegates' own exec time inside the daemon", col(add, (s) => s.exec), col(del, (s) => s.exec));
  const overAdd = col(add, (s) => s.rpc - s.exec);
  const overDel = col(del, (s) => s.rpc - s.exec);
  line("daemon overhead = RPC − delegates' exec", overAdd, overDel);
  line("same delegate executed directly", col(add, (s) => s.direct), col(del, (s) => s.direct));
  line("RPC − direct (paired)", pairedDiff(col(add, (s) => s.rpc), col(add, (s) => s.direct)), pairedDiff(col(del, (s) => s.rpc), col(del, (s) => s.direct)));
  line("gRPC floor (grpc.health.v1 Check round trip)", floor, floor);
  const verdict = (xs: number[]): string => (med(xs) <= GOAL_MS ? "met" : "NOT met");
  console.log(`  goal ≤ ${GOAL_MS} ms daemon overhead per RPC: ADD ${verdict(overAdd)}, DEL ${verdict(overDel)}`);
  breakdown(add, del);
}

/** Median per phase (ms, calls per RPC); derived rows are differences of measured ones. */
function breakdown(add: readonly Sample[], del: readonly Sample[]): void {
  const DEPS = ["store.", "podSource.", "resolver.", "findPlugin", "runtime.", "statusWriter.", "routes."];
  const isDep = (k: string): boolean => DEPS.some((d) => k.startsWith(d));
  const derived = (s: Sample, which: "add" | "del"): Record<string, number> => {
    const svc = s.phases.get(which === "add" ? "service.attach" : "service.detach")?.ms ?? 0;
    const runtime = sumOf(s.phases, (k) => k.startsWith("runtime."));
    const plugins = sumOf(s.phases, (k) => k.startsWith("exec ") && k !== "exec.findInPath");
    return {
      "= gRPC + middleware + logging (RPC − service)": s.rpc - svc,
      "= runtime's own (runtime − plugin execs)": runtime - plugins,
      "= domain rest (service − dependencies: locks, plan, results, logs)": svc - sumOf(s.phases, isDep),
    };
  };
  const keys = [...new Set([...add, ...del].flatMap((s) => [...s.phases.keys()]))].sort();
  console.log(`\n  where the time goes (median ms per RPC, × calls)        ADD              DEL`);
  const row = (label: string, a: number[], an: string, d: number[], dn: string): void =>
    console.log(`  ${label.padEnd(58)} ${med(a).toFixed(2).padStart(7)} ${an.padEnd(6)} ${med(d).toFixed(2).padStart(7)} ${dn}`);
  const n = (xs: readonly Sample[], k: string): string => `×${med(xs.map((s) => s.phases.get(k)?.n ?? 0))}`;
  for (const k of keys) row(k, add.map((s) => s.phases.get(k)?.ms ?? 0), n(add, k), del.map((s) => s.phases.get(k)?.ms ?? 0), n(del, k));
  const dAdd = add.map((s) => derived(s, "add"));
  const dDel = del.map((s) => derived(s, "del"));
  for (const k of Object.keys(dAdd[0] ?? {})) row(k, dAdd.map((r) => r[k] ?? 0), "", dDel.map((r) => r[k] ?? 0), "");
}

await main();
