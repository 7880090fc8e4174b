// containerd RunPodSandbox + StopPodSandbox (root): median with netattach (installed shim +
// real netattachd, pod without annotation) against the same bridge conflist called by
// containerd directly. Two private containerds, pods alternated. Goal ≤ 1.2×.
//
//   npx tsx test/bench/containerd-sandbox.ts [iterations=30]
import { createNetattachNode, type NetattachNode } from "../helpers/containerd/netattach-node.js";
import { podSandboxConfig } from "../helpers/containerd/pod-sandbox.js";
import { buildShim } from "../helpers/containerd/shim-binary.js";
import { stats, type Stats } from "./bench-stats.js";

const N = Number(process.argv[2] ?? 30);
const WARMUP = 3;

const fmt = (s: Stats): string => `median ${s.median.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  (n=${s.n})`;

/** Times Run+Stop of one pod; Remove afterwards is not timed. */
async function runStop(node: NetattachNode, name: string): Promise<number> {
  const cri = node.containerd.cri;
  const t0 = performance.now();
  const { podSandboxId } = await cri.runPodSandbox({ config: podSandboxConfig({ name, cgroupParent: node.containerd.cgroupParent }) });
  await cri.stopPodSandbox({ podSandboxId });
  const ms = performance.now() - t0;
  await node.containerd.track(podSandboxId).catch(() => undefined);
  await cri.removePodSandbox({ podSandboxId });
  return ms;
}

async function main(): Promise<void> {
  const shim = await buildShim();
  const withNetattach = await createNetattachNode({ tag: "bna", shim, octet: 237 });
  const direct = await createNetattachNode({ tag: "bdir", shim, octet: 238, withNetattach: false });
  const samples = { netattach: [] as number[], direct: [] as number[] };
  try {
    await withNetattach.startDaemon();
    for (let i = 0; i < N + WARMUP; i++) {
      const order: Array<["netattach" | "direct", NetattachNode]> = [
        ["netattach", withNetattach],
        ["direct", direct],
      ];
      if (i % 2 === 1) order.reverse();
      for (const [side, node] of order) {
        const ms = await runStop(node, `bench-${side}-${i}`);
        if (i >= WARMUP) samples[side].push(ms);
      }
    }
    const a = stats(samples.netattach);
    const b = stats(samples.direct);
    process.stdout.write(`\ncontainerd 1.6 RunPodSandbox + StopPodSandbox (${N} pods each, alternated, no annotation)\n`);
    process.stdout.write(`  via netattach-cni → netattachd → bridge : ${fmt(a)}\n`);
    process.stdout.write(`  bridge conflist called by containerd     : ${fmt(b)}\n`);
    const ratio = a.median / b.median;
    process.stdout.write(`  ratio of medians                         : ${ratio.toFixed(2)}×   goal ≤ 1.2×: ${ratio <= 1.2 ? "met" : "NOT met"}\n`);
  } finally {
    await withNetattach.dispose();
    await direct.dispose();
  }
}

await main();
