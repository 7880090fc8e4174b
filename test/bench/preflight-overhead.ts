// Benchmark (not a test): what the checks before exec add to every ADD and ResolveNetworks,
// side by side in one run — planning as before (plan + plugin binaries found) against the same
// plus the preflight (config checks, ValidateNetworkList with VERSION answers cached per binary,
// the node's links from /sys/class/net). Real plugins, the real sysfs seam; nothing is executed
// but VERSION (once per binary, in the warm-up). Goal: ≤ 1 ms median per ADD of three networks.
//
//   npx tsx test/bench/preflight-overhead.ts [--iterations 500]
//
// The two modes alternate per iteration so drift hits both alike; the difference is paired.
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { buildPlan } from "../../server/src/attach/plan.js";
import { createPluginFinder, verifyPlugins } from "../../server/src/attach/plugin-check.js";
import { createSysfsNodeLinks } from "../../server/src/attach/preflight/node-links.js";
import { runPreflight, type PreflightDeps } from "../../server/src/attach/preflight/run-preflight.js";
import type { AttachRequest } from "../../server/src/attach/index.js";
import { createCniRuntime, createSpawnExec } from "../../server/src/cni/index.js";
import type { ResolvedNetwork } from "../../server/src/resolve/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { pairedDiff, stats } from "./bench-stats.js";

const GOAL_MS = 1;
const WARMUP = 20;
const { values } = parseArgs({ options: { iterations: { type: "string", default: "500" } } });
const iterations = Number(values.iterations);

const ipam = (subnet: string, routes: object[] = []) => ({ type: "host-local", ranges: [[{ subnet }]], routes });
const nad = (name: string, config: object): ResolvedNetwork => ({
  role: "selected",
  network: `default/${name}`,
  selection: { name, namespace: "default" },
  definition: {
    name,
    namespace: "default",
    config: { cniVersion: "1.0.0", name, ...config },
    origin: { kind: "network-attachment-definition", namespace: "default", name, configFrom: "spec.config" },
  },
});
const networks: ResolvedNetwork[] = [
  {
    role: "cluster",
    network: "cluster",
    selection: { name: "cluster" },
    definition: {
      name: "cluster",
      config: {
        cniVersion: "1.0.0",
        name: "cluster",
        plugins: [
          { type: "bridge", bridge: "nabench0", isGateway: true, ipam: ipam("10.251.0.0/24", [{ dst: "0.0.0.0/0" }]) },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      },
      origin: { kind: "conf-file", path: "/etc/cni/net.d/10-cluster.conflist" },
    },
  },
  nad("macvlan-conf", { type: "macvlan", master: "lo", mode: "bridge", ipam: ipam("10.251.1.0/24") }),
  nad("ptp-conf", {
    plugins: [
      { type: "ptp", ipam: ipam("10.251.2.0/24") },
      { type: "tuning", capabilities: { mac: true } },
    ],
  }),
];
const request: AttachRequest = {
  containerId: "bench",
  netns: "/run/netns/bench",
  pod: { namespace: "default", name: "bench", uid: "u" },
  primaryIfName: "eth0",
};

const exec = createSpawnExec();
const runtime = createCniRuntime({
  exec,
  binDirs: CNI_BIN_DIRS,
  cacheDir: "/nonexistent-bench-cache",
  pluginTimeoutMs: 10_000,
});
const findPlugin = createPluginFinder(exec, CNI_BIN_DIRS);
const deps: PreflightDeps = {
  nodeLinks: createSysfsNodeLinks(),
  validateList: (l, o) => runtime.validateNetworkList(l, o),
  defaultRoutes: "reject",
};

async function before(): Promise<number> {
  const t = performance.now();
  const plan = buildPlan(request, networks);
  await verifyPlugins(plan, findPlugin);
  return performance.now() - t;
}

async function after(): Promise<number> {
  const t = performance.now();
  const plan = buildPlan(request, networks);
  await verifyPlugins(plan, findPlugin);
  await runPreflight(plan, deps);
  return performance.now() - t;
}

const loadAtStart = loadavg()[0]!.toFixed(2);
for (let i = 0; i < WARMUP; i++) await before().then(after);
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < iterations; i++) {
  if (i % 2 === 0) {
    a.push(await before());
    b.push(await after());
  } else {
    b.push(await after());
    a.push(await before());
  }
}
const links = (await deps.nodeLinks.names()).length;
const fmt = (s: { median: number; p90: number }) => `${s.median.toFixed(3)} / ${s.p90.toFixed(3)}`;
const diff = stats(pairedDiff(b, a));
console.log(
  `\npreflight overhead: ${iterations} iterations (+${WARMUP} warm-up), node ${process.version}, ${availableParallelism()} CPUs, ${links} links on this node, plugins ${CNI_BIN_DIRS.join(":")}`,
);
console.log(
  `load average at start ${loadAtStart}, at end ${loadavg()[0]!.toFixed(2)}; one pod of three networks (bridge+portmap, macvlan, ptp+tuning); times in ms, median / p90`,
);
console.log(`planning as before (plan + binaries found)   ${fmt(stats(a))}`);
console.log(`planning with the preflight                 ${fmt(stats(b))}`);
console.log(`preflight's own part (paired difference)    ${fmt(diff)}`);
console.log(
  `\nmedian preflight cost ${diff.median.toFixed(3)} ms (goal ≤ ${GOAL_MS} ms): ${diff.median <= GOAL_MS ? "met" : "NOT met"}`,
);
