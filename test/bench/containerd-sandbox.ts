// containerd RunPodSandbox / StopPodSandbox+RemovePodSandbox (root), in one run with alternating
// rounds: the bridge+portmap conflist called by containerd directly; through netattach (installed
// shim + netattachd, the bundle as the DaemonSet runs it) with no annotation; with +2 networks (a
// bridge and a ptp definition) one after another (netattach.io/serial-networks) and in parallel;
// and the baseline of the plugin launcher: a second netattachd that forks itself for every plugin
// (pluginSpawner: false, through setpriv) instead of asking netattach-spawner, with and without +2.
// Prints medians and ratios to direct, netattachd's own CPU per pod (utime+stime of the daemon
// process only, from /proc/<pid>/stat: the plugins are its children and not counted) and its RSS,
// then a concurrent pass (20 pods with +2 at once, a few passes) and the leak checks.
//
//   npx tsx test/bench/containerd-sandbox.ts [pods per arm=30] [--concurrent 20] [--passes 3]
//       [--runner bundle|tsx] [--node-args="--max-semi-space-size=1 NAME=value ..."]
// The daemon runs with the DaemonSet's node flags and environment (DAEMON_NODE_FLAGS, DAEMON_ENV)
// unless --node-args gives others (words NAME=value go to its environment; "" is plain node).
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { podSandboxConfig } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import type { NetattachdProcess } from "../helpers/containerd/netattachd-process.js";
import { SERIAL_NETWORKS_ANNOTATION } from "../../server/src/resolve/annotations.js";
import { stats } from "./bench-stats.js";
import { daemonBundle, describeLaunch, parseLaunch } from "./daemon-process.js";
import { hostSnapshot, leakReport } from "./leak-check.js";
import { cpuMsOf, memoryOf } from "./proc-usage.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrent: { type: "string" },
    passes: { type: "string" },
    runner: { type: "string" },
    "node-args": { type: "string" },
  },
});
const N = Number(positionals[0] ?? 30);
const CONCURRENT = Number(values.concurrent ?? 20);
const PASSES = Number(values.passes ?? 3);
const RUNNER = values.runner ?? "bundle";
/** As the DaemonSet runs it unless --node-args says otherwise (--node-args="" is plain node). */
const LAUNCH = parseLaunch(values["node-args"]);
const WARMUP = 3;
if (process.getuid?.() !== 0) throw new Error("run as root: containerd and the plugins need it");

const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const ms = (x: number): string => `${x.toFixed(1).padStart(6)} ms`;

interface PodTimes {
  readonly run: number;
  /** Stop + Remove: containerd's Stop DELs (the shim's DEL), Remove DELs again with no netns. */
  readonly teardown: number;
  /** netattachd's own CPU over the pod's whole life (ms), when it served the pod. */
  readonly daemonCpu: number;
}

interface Arm {
  readonly name: string;
  readonly node: NetattachNode;
  /** The netattachd serving the arm; none for direct. */
  readonly daemon?: NetattachdProcess;
  readonly annotations: Record<string, string>;
  readonly times: PodTimes[];
}

async function onePod(arm: Arm, name: string, daemon: NetattachdProcess | undefined): Promise<PodTimes> {
  const cri = arm.node.containerd.cri;
  const cpu0 = daemon !== undefined ? await cpuMsOf(daemon.pid) : 0;
  const t0 = performance.now();
  const { podSandboxId } = await cri.runPodSandbox({
    config: podSandboxConfig({ name, cgroupParent: arm.node.containerd.cgroupParent, annotations: arm.annotations }),
  });
  const t1 = performance.now();
  await cri.stopPodSandbox({ podSandboxId });
  await cri.removePodSandbox({ podSandboxId });
  const t2 = performance.now();
  const daemonCpu = daemon !== undefined ? (await cpuMsOf(daemon.pid)) - cpu0 : 0;
  return { run: t1 - t0, teardown: t2 - t1, daemonCpu };
}

/** `count` pods of `arm` at once: wall time of all Runs, then of all Stop+Removes; peak daemon RSS sampled meanwhile. */
async function concurrentPass(
  arm: Arm,
  count: number,
  pass: number,
  daemon: NetattachdProcess | undefined,
): Promise<{ run: number; teardown: number; peakMb: number }> {
  const cri = arm.node.containerd.cri;
  let peakMb = 0;
  const sampler = setInterval(() => {
    if (daemon !== undefined)
      void memoryOf(daemon.pid).then(
        (m) => (peakMb = Math.max(peakMb, m.rssMb)),
        () => undefined,
      );
  }, 20);
  try {
    const t0 = performance.now();
    const ids = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        cri
          .runPodSandbox({
            config: podSandboxConfig({
              name: `conc-${pass}-${i}`,
              cgroupParent: arm.node.containerd.cgroupParent,
              annotations: arm.annotations,
            }),
          })
          .then((r) => r.podSandboxId),
      ),
    );
    const t1 = performance.now();
    await Promise.all(
      ids.map(async (podSandboxId) => {
        await cri.stopPodSandbox({ podSandboxId });
        await cri.removePodSandbox({ podSandboxId });
      }),
    );
    return { run: t1 - t0, teardown: performance.now() - t1, peakMb };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const shim = await buildShim();
  const initially = await hostSnapshot();
  const nodes: NetattachNode[] = [];
  try {
    const na = await createNetattachNode({ tag: "bna", shim, octet: 237 });
    nodes.push(na);
    const direct = await createNetattachNode({ tag: "bdir", shim, octet: 238, withNetattach: false });
    nodes.push(direct);
    const forking = await createNetattachNode({ tag: "bfk", shim, octet: 239 });
    nodes.push(forking);
    const launch = RUNNER === "bundle" ? { script: await daemonBundle(), ...LAUNCH } : { ...LAUNCH };
    const daemon = await na.startDaemon({ logLevel: "info" }, launch);
    const forkDaemon = await forking.startDaemon({ logLevel: "info", pluginSpawner: false }, launch);
    const plus2 = { "k8s.v1.cni.cncf.io/networks": `${na.net.a},${na.net.b}` };
    const arms: Arm[] = [
      { name: "direct bridge (containerd → bridge)", node: direct, annotations: {}, times: [] },
      { name: "netattach", node: na, daemon, annotations: {}, times: [] },
      {
        name: "netattach +2, serial",
        node: na,
        daemon,
        annotations: { ...plus2, [SERIAL_NETWORKS_ANNOTATION]: "true" },
        times: [],
      },
      { name: "netattach +2, parallel", node: na, daemon, annotations: plus2, times: [] },
      { name: "netattach, forking (baseline)", node: forking, daemon: forkDaemon, annotations: {}, times: [] },
      {
        name: "netattach +2, parallel, forking (baseline)",
        node: forking,
        daemon: forkDaemon,
        annotations: { "k8s.v1.cni.cncf.io/networks": `${forking.net.a},${forking.net.b}` },
        times: [],
      },
    ];
    const before = await hostSnapshot();
    const idle = await memoryOf(daemon.pid);
    out(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; netattachd ${RUNNER} ${describeLaunch(LAUNCH)}, idle RSS ${idle.rssMb.toFixed(1)} MiB`,
    );
    for (let i = 0; i < N + WARMUP; i++) {
      for (let r = 0; r < arms.length; r++) {
        const k = (r + i) % arms.length; // Order rotated, so no arm always runs first.
        const arm = arms[k]!;
        const t = await onePod(arm, `bench-${k}-${i}`, arm.daemon);
        if (i >= WARMUP) arm.times.push(t);
      }
    }
    const after = await memoryOf(daemon.pid);
    const afterFork = await memoryOf(forkDaemon.pid);
    const base = arms[0]!;
    const median = (a: Arm, f: (t: PodTimes) => number): number => stats(a.times.map(f)).median;
    out(`\ncontainerd RunPodSandbox / Stop+Remove, ${N} pods per arm, alternating rounds (medians)`);
    out(`  ${"".padEnd(40)}  ${"Run".padStart(9)}  ratio   ${"Stop+Rm".padStart(9)}  ratio   daemon CPU/pod`);
    for (const a of arms) {
      const run = median(a, (t) => t.run);
      const td = median(a, (t) => t.teardown);
      const cpu =
        a.daemon !== undefined
          ? `${(a.times.reduce((s, t) => s + t.daemonCpu, 0) / a.times.length).toFixed(1)} ms (mean)`
          : "—";
      out(
        `  ${a.name.padEnd(40)}  ${ms(run)}  ${(run / median(base, (t) => t.run)).toFixed(2)}×  ${ms(td)}  ${(td / median(base, (t) => t.teardown)).toFixed(2)}×   ${cpu}`,
      );
    }
    out(
      `  netattachd RSS after the sequential runs: ${after.rssMb.toFixed(1)} MiB (peak so far ${after.peakMb.toFixed(1)} MiB); forking baseline ${afterFork.rssMb.toFixed(1)} MiB`,
    );

    out(`\n${CONCURRENT} pods at once, ${PASSES} passes (wall time of all Runs / all Stop+Removes)`);
    for (const a of [arms[0]!, arms[2]!, arms[3]!, arms[5]!]) {
      const passes = [];
      for (let p = 0; p < PASSES; p++) passes.push(await concurrentPass(a, CONCURRENT, p, a.daemon));
      const peak =
        a.daemon !== undefined ? `  daemon RSS peak ${Math.max(...passes.map((p) => p.peakMb)).toFixed(1)} MiB` : "";
      out(
        `  ${a.name.padEnd(40)}  run ${passes.map((p) => (p.run / 1000).toFixed(2)).join(" / ")} s   stop+rm ${passes.map((p) => (p.teardown / 1000).toFixed(2)).join(" / ")} s${peak}`,
      );
    }
    const end = await memoryOf(daemon.pid);
    out(`  netattachd RSS after everything: ${end.rssMb.toFixed(1)} MiB (VmHWM ${end.peakMb.toFixed(1)} MiB)`);
    out(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );

    const leaks = await leakReport(before, [
      {
        ipamDir: na.ipamDir,
        stateDir: na.stateDir,
        networks: [na.net.cluster, na.net.a, na.net.b],
        bridges: Object.values(na.bridges),
      },
      {
        ipamDir: forking.ipamDir,
        stateDir: forking.stateDir,
        networks: [forking.net.cluster, forking.net.a, forking.net.b],
        bridges: Object.values(forking.bridges),
      },
      { ipamDir: direct.ipamDir, networks: [direct.net.cluster], bridges: Object.values(direct.bridges) },
    ]);
    out(`\nleaks (before the nodes are disposed): ${leaks.line}`);
  } finally {
    for (const n of nodes) await n.dispose();
  }
  const leftover = await leakReport(initially, []);
  out(`leaks after disposal (host): ${leftover.line}`);
}

await main();
