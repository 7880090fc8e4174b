// containerd RunPodSandbox + StopPodSandbox (root): median with netattach (installed shim +
// real netattachd, pod without annotation) against the same bridge conflist called by
// containerd directly. Two private containerds, pods alternated. Goal ≤ 1.2×.
// Also per phase (Run, Stop, and the untimed Remove, whose CNI DEL with CNI_NETNS=""
// is the third shim call of a pod) and netattachd's own time per RPC, from its log.
//
//   npx tsx test/bench/containerd-sandbox.ts [iterations=30]
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { podSandboxConfig } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { stats, type Stats } from "./bench-stats.js";

const N = Number(process.argv[2] ?? 30);
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

async function main(): Promise<void> {
  const shim = await buildShim();
  const withNetattach = await createNetattachNode({ tag: "bna", shim, octet: 237 });
  const direct = await createNetattachNode({ tag: "bdir", shim, octet: 238, withNetattach: false });
  const samples = { netattach: [] as PodTimes[], direct: [] as PodTimes[] };
  try {
    const daemon = await withNetattach.startDaemon();
    for (let i = 0; i < N + WARMUP; i++) {
      const order: Array<["netattach" | "direct", NetattachNode]> = [
        ["netattach", withNetattach],
        ["direct", direct],
      ];
      if (i % 2 === 1) order.reverse();
      for (const [side, node] of order) {
        const t = await runStop(node, `bench-${side}-${i}`);
        if (i >= WARMUP) samples[side].push(t);
      }
    }
    const a = stats(samples.netattach.map((t) => t.run + t.stop));
    const b = stats(samples.direct.map((t) => t.run + t.stop));
    out(`\ncontainerd 1.6 RunPodSandbox + StopPodSandbox (${N} pods each, alternated, no annotation)`);
    out(`  via netattach-cni → netattachd → bridge : ${fmt(a)}`);
    out(`  bridge conflist called by containerd     : ${fmt(b)}`);
    const ratio = a.median / b.median;
    out(`  ratio of medians                         : ${ratio.toFixed(2)}×   goal ≤ 1.2×: ${ratio <= 1.2 ? "met" : "NOT met"}`);
    out(`\nper phase (medians)                           Run        Stop      Remove (untimed above)`);
    for (const [side, name] of [["netattach", "via netattach-cni"], ["direct", "bridge conflist"]] as const) {
      const s = samples[side];
      out(`  ${name.padEnd(42)}: ${med(s.map((t) => t.run))}  ${med(s.map((t) => t.stop))}  ${med(s.map((t) => t.remove))}`);
    }
    const rpc = rpcDurations(await daemon.log());
    const rows = ["AttachNetworks", "DetachNetworks"].filter((r) => rpc.has(r));
    if (rows.length > 0) out(`  netattachd's own time per RPC (its log)     : ${rows.map((r) => `${r} ${med(rpc.get(r) ?? [])}`).join("   ")}`);
  } finally {
    await withNetattach.dispose();
    await direct.dispose();
  }
}

await main();
