// Bench part 2: memory of the informers. A child netattachd (server/src/main.ts under tsx as
// `npm start` runs it, or the bundle the DaemonSet runs) against the stand-in: RSS without
// Kubernetes, with an empty stand-in, and with the pods and definitions loaded; plus the edge's
// own heap growth measured in-process (needs --expose-gc).
//
// Run directly, it compares the runners side by side, 3 s after the informers synced (startup
// garbage still there) and once V8's memory reducer has run on the idle daemon (~10-20 s):
//   npx tsx test/bench/kube-api-memory.ts [--daemon tsx,bundle] [--pods 1000] [--elsewhere 1000] [--definitions 200] [--settle-s 30] [--node-args="..."]...
// --node-args may be given more than once: each is one more column per runner, so flags are
// compared in one run; a word NAME=value in it goes to the daemon's environment instead (e.g.
// GLIBC_TUNABLES=..., as the image sets DAEMON_ENV). Without it the daemon runs as the DaemonSet
// runs it (DAEMON_NODE_FLAGS and DAEMON_ENV); --node-args="" is plain node. Columns alternate
// within each scenario.
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { createKubeEdge } from "../../server/src/kube/index.js";
import { tempDir } from "../helpers/daemon.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import {
  daemonBundle,
  describeLaunch,
  parseLaunch,
  parseRunners,
  startDaemonProcess,
  type DaemonRunner,
  type Launch,
} from "./daemon-process.js";

const NODE = "bench-node";

export interface MemoryResult {
  readonly podsOnNode: number;
  readonly podsElsewhere: number;
  readonly definitions: number;
  readonly podListBytes: number;
  readonly rssNoKubeMb: number;
  readonly rssEmptyMb: number;
  readonly rssLoadedMb: number;
  readonly heapDeltaMb?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function seed(s: KubeStandIn, podsOnNode: number, podsElsewhere: number, definitions: number): void {
  for (let i = 0; i < definitions; i++) {
    s.createNad({
      namespace: `team-${i % 20}`,
      name: `net-${i}`,
      config: {
        cniVersion: "1.0.0",
        name: `net-${i}`,
        type: "macvlan",
        master: "eth0",
        mode: "bridge",
        ipam: { type: "host-local", ranges: [[{ subnet: `10.${i % 250}.0.0/16` }]] },
      },
    });
  }
  for (let i = 0; i < podsOnNode + podsElsewhere; i++) {
    s.createPod({
      namespace: `team-${i % 20}`,
      name: `app-${i}`,
      nodeName: i < podsOnNode ? NODE : `other-${i % 50}`,
      annotations: { "k8s.v1.cni.cncf.io/networks": `net-${i % definitions}` },
    });
  }
}

const PLAIN: Launch = { nodeArgs: [], env: {} };

interface ChildRss {
  /** From spawn until it listens (no Kubernetes) or both informers watch. */
  readonly readyMs: number;
  /** 3 s after both informers watch (or, without Kubernetes, after it listens): median of 5 samples. */
  readonly readyMb: number;
  /** `settleMs` after that point (V8's memory reducer has shrunk the idle heap); absent when 0. */
  readonly settledMb?: number;
}

/** RSS of a child daemon started by `runner`, without Kubernetes or against `kube`. */
async function childRss(
  kube: KubeStandIn | undefined,
  runner: DaemonRunner = "tsx",
  settleMs = 0,
  launch: Launch = PLAIN,
): Promise<ChildRss> {
  const dir = await tempDir("na-kube-rss-");
  await mkdir(join(dir, "net.d"));
  await writeFile(
    join(dir, "net.d", "10-cbr0.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge", bridge: "cbr0" }] }),
  );
  const socket = join(dir, "d.sock");
  const args = [
    "--socket",
    socket,
    "--state-dir",
    join(dir, "state"),
    "--cni-conf-dir",
    join(dir, "net.d"),
    "--cluster-network",
    "cbr0",
    "--log-level",
    "warn",
  ];
  if (kube)
    args.push("--kube-mode", "kubeconfig", "--kubeconfig", await kube.writeKubeconfig(dir), "--node-name", NODE);
  const child = await startDaemonProcess(runner, args, "ignore", launch.nodeArgs, launch.env);
  try {
    const synced = () =>
      kube
        ? kube.openWatches("pods") === 1 && kube.openWatches("network-attachment-definitions") === 1
        : existsSync(socket);
    for (let i = 0; i < 6000 && !synced() && child.child.exitCode === null; i++) await sleep(5);
    if (!synced()) throw new Error("child daemon did not sync with the stand-in");
    const readyMs = performance.now() - child.spawnedAt;
    const t0 = Date.now();
    const sample = async (): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++, await sleep(200)) samples.push(await child.rssMb());
      return median(samples);
    };
    await sleep(3_000); // let startup garbage settle
    const readyMb = await sample();
    if (settleMs <= 0) return { readyMs, readyMb };
    await sleep(Math.max(0, t0 + settleMs - Date.now()));
    return { readyMs, readyMb, settledMb: await sample() };
  } finally {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Heap the edge itself keeps for the loaded informers (stand-in data is allocated before the baseline). */
async function edgeHeapDelta(s: KubeStandIn): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const dir = await tempDir("na-kube-heap-");
  const edge = createKubeEdge(
    {
      mode: "kubeconfig",
      kubeconfigPath: await s.writeKubeconfig(dir),
      nodeName: NODE,
      namespaces: [],
      statusFailurePolicy: "fail",
      confDir: dir,
    },
    pino({ level: "silent" }),
  );
  gc();
  const before = process.memoryUsage().heapUsed;
  await edge.start();
  for (let i = 0; i < 300 && !edge.ready(); i++) await sleep(100);
  await sleep(500);
  gc();
  const after = process.memoryUsage().heapUsed;
  await edge.stop();
  return (after - before) / 1024 / 1024;
}

function seeded(
  podsOnNode: number,
  podsElsewhere: number,
  definitions: number,
): Promise<{ empty: KubeStandIn; loaded: KubeStandIn; close(): Promise<void> }> {
  return Promise.all([startKubeStandIn(), startKubeStandIn()]).then(([empty, loaded]) => {
    seed(loaded, podsOnNode, podsElsewhere, definitions);
    return { empty, loaded, close: async () => void (await Promise.all([empty.close(), loaded.close()])) };
  });
}

/** The child run by `runner` (default: tsx, as `npm start`). */
export async function benchInformerMemory(
  podsOnNode: number,
  podsElsewhere: number,
  definitions: number,
  runner: DaemonRunner = "tsx",
): Promise<MemoryResult> {
  const { empty, loaded, close } = await seeded(podsOnNode, podsElsewhere, definitions);
  try {
    const podListBytes = Buffer.byteLength(
      JSON.stringify(loaded.store.list("pods", (p) => (p.spec as { nodeName?: string }).nodeName === NODE)),
    );
    const rssNoKubeMb = (await childRss(undefined, runner)).readyMb;
    const rssEmptyMb = (await childRss(empty, runner)).readyMb;
    const rssLoadedMb = (await childRss(loaded, runner)).readyMb;
    const heapDeltaMb = await edgeHeapDelta(loaded);
    return {
      podsOnNode,
      podsElsewhere,
      definitions,
      podListBytes,
      rssNoKubeMb,
      rssEmptyMb,
      rssLoadedMb,
      ...(heapDeltaMb !== undefined ? { heapDeltaMb } : {}),
    };
  } finally {
    await close();
  }
}

export type Scenario = "none" | "empty" | "loaded";
/** One column of the table: a runner started one way. */
export interface Column {
  readonly label: string;
  readonly runner: DaemonRunner;
  readonly launch: Launch;
}
export type RunnerRss = Record<Scenario, Record<string, ChildRss>>;

/** Every runner under every launch: labelled by runner, plus #n when there are several launches. */
export function columns(runners: readonly DaemonRunner[], launches: readonly Launch[]): Column[] {
  return runners.flatMap((runner) =>
    launches.map((launch, i) => ({ label: launches.length > 1 ? `${runner}#${i + 1}` : runner, runner, launch })),
  );
}

/** Every scenario in every column, columns interleaved per scenario. */
export async function benchRunnerMemory(
  podsOnNode: number,
  podsElsewhere: number,
  definitions: number,
  cols: readonly Column[],
  settleMs: number,
): Promise<RunnerRss> {
  if (cols.some((c) => c.runner === "bundle")) await daemonBundle(); // built before any timing
  const { empty, loaded, close } = await seeded(podsOnNode, podsElsewhere, definitions);
  const out: RunnerRss = { none: {}, empty: {}, loaded: {} };
  try {
    for (const [scenario, kube] of [
      ["none", undefined],
      ["empty", empty],
      ["loaded", loaded],
    ] as const) {
      for (const c of cols) out[scenario][c.label] = await childRss(kube, c.runner, settleMs, c.launch);
    }
    return out;
  } finally {
    await close();
  }
}

function printRunnerTable(r: RunnerRss, columnsRun: readonly Column[], title: string, settleS: number): void {
  const runners = columnsRun.map((c) => c.label);
  const fmt = (n: number | undefined): string => (n === undefined ? "-" : n.toFixed(1)).padStart(10);
  const delta = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? "" : `${(b - a >= 0 ? "+" : "") + (b - a).toFixed(1)}`.padStart(10);
  const labels: Record<Scenario, string> = {
    none: "kubernetes.mode none",
    empty: "informers synced, empty",
    loaded: "informers synced, loaded",
  };
  const cols = (when: "readyMb" | "settledMb" | "readyMs", s: Scenario): string => {
    const v = runners.map((x) => r[s][x]?.[when]);
    return v.map(fmt).join("") + (runners.length === 2 ? delta(v[0], v[1]) : "");
  };
  const head = runners.map((x) => x.padStart(10)).join("") + (runners.length === 2 ? "Δ".padStart(10) : "");
  const launches = columnsRun.filter((c) => c.label.includes("#"));
  const both = settleS > 0;
  console.log(`\n== ${title} ==`);
  console.log(
    `${"RSS MB".padEnd(26)}${both ? `${"3 s after ready".padEnd(head.length)}   ${settleS} s after ready (idle: V8 shrank the heap)` : "3 s after ready"}`,
  );
  console.log(`${"".padEnd(26)}${head}${both ? `   ${head}` : ""}`);
  for (const s of ["none", "empty", "loaded"] as const)
    console.log(`${labels[s].padEnd(26)}${cols("readyMb", s)}${both ? `   ${cols("settledMb", s)}` : ""}`);
  console.log(`\n${"ms from spawn to ready".padEnd(26)}${head}`);
  for (const s of ["none", "empty", "loaded"] as const) console.log(`${labels[s].padEnd(26)}${cols("readyMs", s)}`);
  console.log("(ready: listening on its socket without Kubernetes; both informers watching with it)");
  for (const c of launches) console.log(`${c.label}: ${describeLaunch(c.launch)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      daemon: { type: "string", default: "tsx,bundle" },
      pods: { type: "string", default: "1000" },
      elsewhere: { type: "string", default: "1000" },
      definitions: { type: "string", default: "200" },
      "settle-s": { type: "string", default: "30" },
      /** V8/node flags for the daemon, e.g. --node-args="--optimize-for-size" (the DaemonSet's are deploy/daemonset.yaml's); repeat to compare. */
      "node-args": { type: "string", multiple: true },
    },
  });
  const launches = (values["node-args"] ?? [undefined]).map(parseLaunch);
  const cols = columns(parseRunners(values.daemon), launches);
  const [pods, elsewhere, defs, settleS] = [values.pods, values.elsewhere, values.definitions, values["settle-s"]].map(
    Number,
  ) as [number, number, number, number];
  const r = await benchRunnerMemory(pods, elsewhere, defs, cols, settleS * 1000);
  const only = launches.length === 1 ? launches[0]! : undefined;
  const flags = only ? describeLaunch(only) : "";
  printRunnerTable(
    r,
    cols,
    `child netattachd RSS: ${pods} pods on this node (+${elsewhere} elsewhere), ${defs} definitions; node ${process.version}${flags ? ` ${flags}` : ""}`,
    settleS,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
