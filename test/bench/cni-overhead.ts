// Benchmark (not a test; root): the CNI runtime's time per ADD/DEL against executing the same
// plugin binary with the same env and stdin directly (spawn, no shell) and from a shell
// (`sh -c`), side by side in one run. Goal: ≤ 2 ms median overhead per plugin invocation.
//
//   npx tsx test/bench/cni-overhead.ts [--iterations 200] [--scenario loopback|bridge] [--cache-dir DIR]
//
// --cache-dir puts the runtime's result cache elsewhere (e.g. on tmpfs, where its fsync is
// free) to see what the durable cache costs; by default it is on the temp dir's disk.
//
// Modes are interleaved (rotating order) per iteration so drift hits all of them alike.
// Run it on a quiet machine: other load inflates every column and the differences.
//
// The "pdeathsig" column is the exec seam as netattachd runs it: each plugin started through
// util-linux `setpriv --pdeathsig KILL` (it dies with the daemon); pdeathsig − seam is that cost.
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  createCniRuntime,
  createSpawnExec,
  loadNetworkConfigFile,
  type CniRuntime,
  type ExecRequest,
  type NetworkConfigList,
  type PluginExec,
  type RuntimeConf,
  type RuntimeEvent,
} from "../../server/src/cni/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { deleteHostLinks } from "../helpers/host-net.js";
import { randomSubnet, renderNetconf } from "../helpers/netconf-fixture.js";
import { createNetns, uniqueName } from "../helpers/netns.js";
import { pairedDiff, stats, type Stats } from "./bench-stats.js";
import { execDirect, type PluginCall } from "./direct-exec.js";

interface Scenario {
  readonly name: string;
  readonly fixture: string;
  readonly ifName: string;
}
const SCENARIOS: readonly Scenario[] = [
  { name: "loopback", fixture: "loopback.conf", ifName: "lo" },
  { name: "bridge", fixture: "bridge.conflist", ifName: "eth0" },
];
const MODES = ["runtime", "seam", "pdeathsig", "direct", "setsid", "sh -c"] as const;
const SETPRIV = "/usr/bin/setpriv";
type Mode = (typeof MODES)[number];
type Samples = Record<Mode, { add: number[]; del: number[] }> & { own: { add: number[]; del: number[] } };
const GOAL_MS = 2;
const WARMUP = 10;

const { values } = parseArgs({
  options: {
    iterations: { type: "string", short: "n" },
    scenario: { type: "string" },
    "cache-dir": { type: "string" },
  },
});
const iterations = Number(values.iterations ?? 200);
const chosen = SCENARIOS.filter((s) => values.scenario === undefined || s.name === values.scenario);
if (process.getuid?.() !== 0) throw new Error("run as root: the plugins create interfaces in a network namespace");
if (!Number.isInteger(iterations) || iterations < 1 || chosen.length === 0)
  throw new Error("usage: cni-overhead.ts [--iterations N] [--scenario loopback|bridge]");

/** A PluginExec that can record the requests the runtime makes (off while timing). */
function recordingExec(): { exec: PluginExec; record: ExecRequest[]; recording: { on: boolean } } {
  const real = createSpawnExec();
  const record: ExecRequest[] = [];
  const recording = { on: false };
  const exec: PluginExec = {
    findInPath: (type, dirs) => real.findInPath(type, dirs),
    exec: (req) => {
      if (recording.on) record.push(req);
      return real.exec(req);
    },
  };
  return { exec, record, recording };
}

function callOf(record: readonly ExecRequest[], command: string): ExecRequest {
  const req = record.find((r) => r.command === command);
  if (req === undefined) throw new Error(`the runtime made no ${command} call to copy`);
  return req;
}

/** The runtime's DEL stdin with prevResult = what this direct ADD returned (built outside the timing). */
function delCallAfter<T extends PluginCall>(del: T, addStdout: Buffer): T {
  const conf = JSON.parse(del.stdin.toString()) as Record<string, unknown>;
  if ("prevResult" in conf) conf.prevResult = JSON.parse(addStdout.toString());
  return { ...del, stdin: Buffer.from(JSON.stringify(conf)) };
}

interface Setup {
  readonly runtime: CniRuntime;
  readonly seam: PluginExec;
  /** The seam as the daemon runs it: through setpriv --pdeathsig KILL. */
  readonly pdeathsig: PluginExec;
  readonly list: NetworkConfigList;
  readonly rt: RuntimeConf;
  readonly add: ExecRequest;
  readonly del: ExecRequest;
  /** Plugin time of the runtime's current op as the runtime timed it (its exec events). */
  readonly execMs: { value: number };
  /** Runtime ops' time minus that: the runtime's own part (logic + cache), every iteration. */
  readonly own: { add: number[]; del: number[] };
}

async function timeOne(
  mode: Mode,
  { runtime, seam, pdeathsig, list, rt, add, del, execMs, own }: Setup,
): Promise<[number, number]> {
  if (mode === "runtime") {
    execMs.value = 0;
    const t0 = performance.now();
    await runtime.addNetworkList(list, rt);
    const t1 = performance.now();
    own.add.push(t1 - t0 - execMs.value);
    execMs.value = 0;
    await runtime.delNetworkList(list, rt);
    const t2 = performance.now();
    own.del.push(t2 - t1 - execMs.value);
    return [t1 - t0, t2 - t1];
  }
  if (mode === "seam" || mode === "pdeathsig") {
    const exec = mode === "seam" ? seam : pdeathsig;
    const t0 = performance.now();
    const out = await exec.exec(add);
    const addMs = performance.now() - t0;
    const delReq = delCallAfter(del, out);
    const t1 = performance.now();
    await exec.exec(delReq);
    return [addMs, performance.now() - t1];
  }
  const how = mode === "sh -c" ? "shell" : mode === "setsid" ? "setsid" : "spawn";
  const t0 = performance.now();
  const out = await execDirect(add, how);
  const addMs = performance.now() - t0;
  const delCall = delCallAfter(del, out);
  const t1 = performance.now();
  await execDirect(delCall, how);
  return [addMs, performance.now() - t1];
}

async function runScenario(s: Scenario): Promise<Samples> {
  const dir = await mkdtemp(join(tmpdir(), "netattach-bench-"));
  const netns = await createNetns("h3-bench-");
  const bridge = uniqueName("h3bench");
  try {
    const subnet = randomSubnet();
    const vars = {
      CNI_VERSION: "1.0.0",
      NAME: `bench-${s.name}`,
      BRIDGE: bridge,
      DATA_DIR: join(dir, "ipam"),
      SUBNET: subnet.subnet,
      GATEWAY: subnet.gateway,
      STATIC_ADDR: subnet.staticAddr,
    };
    const list = await loadNetworkConfigFile(await renderNetconf(s.fixture, vars, dir));
    const { exec, record, recording } = recordingExec();
    const execMs = { value: 0 };
    const onEvent = (e: RuntimeEvent): void => {
      if (e.type === "exec") execMs.value += e.durationMs;
    };
    const runtime = createCniRuntime({
      exec,
      binDirs: CNI_BIN_DIRS,
      cacheDir: values["cache-dir"] ?? join(dir, "cache"),
      pluginTimeoutMs: 30_000,
      onEvent,
    });
    const rt: RuntimeConf = { containerId: "bench-ctr", netns: netns.path, ifName: s.ifName };

    recording.on = true;
    await runtime.addNetworkList(list, rt);
    await runtime.delNetworkList(list, rt);
    recording.on = false;
    const own = { add: [] as number[], del: [] as number[] };
    const setup: Setup = {
      runtime,
      seam: createSpawnExec(),
      pdeathsig: createSpawnExec({ setprivPath: SETPRIV }),
      list,
      rt,
      add: callOf(record, "ADD"),
      del: callOf(record, "DEL"),
      execMs,
      own,
    };

    const samples = Object.fromEntries(MODES.map((m) => [m, { add: [], del: [] }])) as unknown as Samples;
    for (let i = 0; i < WARMUP + iterations; i++) {
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(i + k) % MODES.length] as Mode;
        const [a, d] = await timeOne(mode, setup);
        if (i >= WARMUP) {
          samples[mode].add.push(a);
          samples[mode].del.push(d);
        }
      }
    }
    samples.own = { add: own.add.slice(WARMUP), del: own.del.slice(WARMUP) };
    return samples;
  } finally {
    await netns.delete();
    await deleteHostLinks(bridge);
    await rm(dir, { recursive: true, force: true });
  }
}

const f = (ms: number): string => ms.toFixed(2).padStart(7);

function report(results: ReadonlyArray<[Scenario, Samples]>): void {
  const head = [
    "scenario",
    "op ",
    "runtime med/p90",
    "   seam med/p90",
    "pdeath. med/p90",
    " direct med/p90",
    " setsid med/p90",
    "  sh -c med/p90",
    "overhead med",
    "paired med/p90",
    "goal",
  ];
  console.log(
    `\nCNI runtime overhead: ${iterations} iterations (+${WARMUP} warm-up), node ${process.version}, ${availableParallelism()} CPUs, plugins ${CNI_BIN_DIRS.join(":")}`,
  );
  console.log(
    `result cache in ${values["cache-dir"] ?? "the temp dir"}; load average at start ${loadAtStart}, at end ${loadNow()} (other load inflates every column)`,
  );
  console.log("one plugin invocation per op; times in ms; overhead = runtime − direct spawn (paired: per iteration)");
  console.log(
    "seam = the runtime's exec seam alone (createSpawnExec) with the runtime's request: runtime − seam = runtime logic + cache",
  );
  console.log(
    "pdeathsig = the seam through setpriv --pdeathsig KILL, as netattachd runs plugins: pdeathsig − seam = its cost",
  );
  console.log("setsid = direct spawn in a new session, as the exec seam does: setsid − direct = that choice's cost\n");
  console.log(head.join("  "));
  let worst = 0;
  for (const [s, samples] of results) {
    for (const op of ["add", "del"] as const) {
      const [r, se, pd, d, ss, sh] = MODES.map((m) => stats(samples[m][op])) as [
        Stats,
        Stats,
        Stats,
        Stats,
        Stats,
        Stats,
      ];
      const paired = stats(pairedDiff(samples.runtime[op], samples.direct[op]));
      const overhead = r.median - d.median;
      worst = Math.max(worst, overhead);
      console.log(
        [
          s.name.padEnd(8),
          op.toUpperCase(),
          `${f(r.median)} ${f(r.p90)}`,
          `${f(se.median)} ${f(se.p90)}`,
          `${f(pd.median)} ${f(pd.p90)}`,
          `${f(d.median)} ${f(d.p90)}`,
          `${f(ss.median)} ${f(ss.p90)}`,
          `${f(sh.median)} ${f(sh.p90)}`,
          f(overhead).padStart(12),
          `${f(paired.median)} ${f(paired.p90)}`,
          overhead <= GOAL_MS ? " ok" : " OVER",
        ].join("  "),
      );
    }
  }
  const own = results.map(
    ([s, x]) =>
      `${s.name} ${(["add", "del"] as const).map((op) => `${op.toUpperCase()} ${f(stats(x.own[op]).median).trim()}/${f(stats(x.own[op]).p90).trim()}`).join(" ")}`,
  );
  const setpriv = results.map(
    ([s, x]) =>
      `${s.name} ${(["add", "del"] as const).map((op) => `${op.toUpperCase()} ${f(stats(pairedDiff(x.pdeathsig[op], x.seam[op])).median).trim()}`).join(" ")}`,
  );
  console.log(`setpriv --pdeathsig cost (pdeathsig − seam, paired median, ms): ${setpriv.join("; ")}`);
  console.log(
    `runtime's own part (runtime − its plugin execs as it timed them; no plugin noise), med/p90 ms: ${own.join("; ")}`,
  );
  console.log(
    `\nworst median overhead ${worst.toFixed(2)} ms (goal ≤ ${GOAL_MS} ms): ${worst <= GOAL_MS ? "met" : "NOT met"}`,
  );
}

const loadNow = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const loadAtStart = loadNow();
const results: Array<[Scenario, Samples]> = [];
for (const s of chosen) {
  console.error(`running ${s.name} × ${iterations} ...`);
  results.push([s, await runScenario(s)]);
}
report(results);
