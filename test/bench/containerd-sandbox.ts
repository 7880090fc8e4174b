// containerd RunPodSandbox + StopPodSandbox (root): median with netattach (installed shim +
// real netattachd, pod without annotation) against the same bridge conflist called by
// containerd directly. Two private containerds, pods alternated. Goal ≤ 1.2×.
// Also per phase (Run, Stop, and the untimed Remove, whose CNI DEL with CNI_NETNS=""
// is the third shim call of a pod) and netattachd's own time per RPC, from its log.
// --compare runs another build of the shim (e.g. an older one) on a third node, alike.
//
//   npx tsx test/bench/containerd-sandbox.ts [iterations=30] [--compare name=/path/to/netattach-cni ...]
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { podSandboxConfig } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { stats, type Stats } from "./bench-stats.js";

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 30);
/** Other builds of the shim: --compare name=/path/to/binary. */
const COMPARE = process.argv.flatMap((a, i) => (process.argv[i - 1] === "--compare" ? [a.split("=")] : [])).map(([name = "", shim = ""]) => ({ name, shim }));
const WARMUP = 3;

const fmt = (s: Stats): string => `median ${s.median.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  (n=${s.n})`;
const med = (xs: readonly number[]): string => `${stats(xs).median.toFixed(1).padStart(6)} ms`;
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

interface PodTimes {
  run: number;
  stop: number;
  remove: number;
}

/** Times Run, Stop and Remove of one pod (the comparison is on Run+Stop). */
async function runStop(node: NetattachNode, name: string): Promise<PodTimes> {
  const cri = node.containerd.cri;
  const t0 = performance.now();
  const { podSandboxId } = await cri.runPodSandbox({ config: podSandboxConfig({ name, cgroupParent: node.containerd.cgroupParent }) });
  const t1 = performance.now();
  await cri.stopPodSandbox({ podSandboxId });
  const t2 = performance.now();
  await node.containerd.track(podSandboxId).catch(() => undefined);
  const t3 = performance.now();
  await cri.removePodSandbox({ podSandboxId });
  return { run: t1 - t0, stop: t2 - t1, remove: performance.now() - t3 };
}

/** durationMs of each "call ok" line in netattachd's log, by rpc. */
function rpcDurations(log: string): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const line of log.split("\n")) {
    try {
      const l = JSON.parse(line) as { msg?: string; rpc?: string; durationMs?: number };
      if (l.msg === "call ok" && l.rpc && typeof l.durationMs === "number") by.set(l.rpc, [...(by.get(l.rpc) ?? []), l.durationMs]);
    } catch {
      // Not a JSON line.
    }
  }
  return by;
}

interface Side {
  readonly name: string;
  readonly node: NetattachNode;
  readonly times: PodTimes[];
}

async function main(): Promise<void> {
  const shim = await buildShim();
  const sides: Side[] = [];
  try {
    sides.push({ name: "via netattach-cni → netattachd → bridge", node: await createNetattachNode({ tag: "bna", shim, octet: 237 }), times: [] });
    sides.push({ name: "bridge conflist called by containerd", node: await createNetattachNode({ tag: "bdir", shim, octet: 238, withNetattach: false }), times: [] });
    for (const [k, c] of COMPARE.entries()) sides.push({ name: `via ${c.name}`, node: await createNetattachNode({ tag: `bc${k}`, shim: c.shim, octet: 239 + k }), times: [] });
    const withDaemon = sides.filter((_, k) => k !== 1);
    const daemons = await Promise.all(withDaemon.map((s) => s.node.startDaemon()));
    for (let i = 0; i < N + WARMUP; i++) {
      for (let r = 0; r < sides.length; r++) {
        const side = sides[(r + i) % sides.length] as Side; // Order rotated, so no side always runs first.
        const t = await runStop(side.node, `bench-${(r + i) % sides.length}-${i}`);
        if (i >= WARMUP) side.times.push(t);
      }
    }
    const runStopStats = (s: Side): Stats => stats(s.times.map((t) => t.run + t.stop));
    const direct = runStopStats(sides[1] as Side);
    out(`\ncontainerd 1.6 RunPodSandbox + StopPodSandbox (${N} pods each, order rotated, no annotation)`);
    for (const s of sides) out(`  ${s.name.padEnd(42)}: ${fmt(runStopStats(s))}`);
    for (const [k, s] of sides.entries()) {
      if (k === 1) continue;
      const ratio = runStopStats(s).median / direct.median;
      out(`  ${`ratio of medians, ${k === 0 ? "netattach-cni" : s.name.replace(/^via /, "")}`.padEnd(42)}: ${ratio.toFixed(2)}×${k === 0 ? `   goal ≤ 1.2×: ${ratio <= 1.2 ? "met" : "NOT met"}` : ""}`);
    }
    out(`\nper phase (medians)                           Run        Stop      Remove (untimed above)`);
    for (const s of sides) out(`  ${s.name.slice(0, 42).padEnd(42)}: ${med(s.times.map((t) => t.run))}  ${med(s.times.map((t) => t.stop))}  ${med(s.times.map((t) => t.remove))}`);
    for (const [k, daemon] of daemons.entries()) {
      const rpc = rpcDurations(await daemon.log());
      const rows = ["AttachNetworks", "DetachNetworks", "GetStatus"].filter((r) => rpc.has(r));
      const who = k === 0 ? "netattach-cni" : (withDaemon[k]?.name.replace(/^via /, "") ?? "");
      if (rows.length > 0) out(`  netattachd's time per RPC (its log), ${who}:\n    ${rows.map((r) => `${r} ${med(rpc.get(r) ?? [])} (n=${rpc.get(r)?.length})`).join("  ")}`);
    }
  } finally {
    for (const s of sides) await s.node.dispose();
  }
}

await main();
