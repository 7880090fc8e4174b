// 100 pods × 3 networks attached at once (root; a benchmark, not a test): through netattachd (the
// bundle, AttachNetworks/DetachNetworks over its socket, all pods at once; the daemon bounds them
// to maxConcurrent) against a plain script doing the same plugin executions with the same
// concurrency (plain-cni-script.mjs, its own `node` process): maxConcurrent pods at a time, each the
// cluster network's plugins first and then the two secondaries' concurrently, DEL in reverse. Alternating rounds; prints wall times, the ratio
// (goal ≤ 1.1×), netattachd's CPU and RSS, and the leak checks.
//
//   npx tsx test/bench/concurrent-attach.ts [pods=100] [--rounds 2] [--max-concurrent 16] [--node-args="..."]
// netattachd runs as the DaemonSet runs it (DAEMON_NODE_FLAGS, DAEMON_ENV) unless --node-args says otherwise.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { startNetattachd, type NetattachdProcess } from "../helpers/containerd/netattachd-process.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { createNetns, uniqueName, type Netns } from "../helpers/netns.js";
import { daemonBundle, describeLaunch, parseLaunch } from "./daemon-process.js";
import { hostSnapshot, leakReport } from "./leak-check.js";
import { cpuMsOf, memoryOf } from "./proc-usage.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string" }, "max-concurrent": { type: "string" }, "node-args": { type: "string" } },
});
const PODS = Number(positionals[0] ?? 100);
const ROUNDS = Number(values.rounds ?? 2);
const MAX_CONCURRENT = Number(values["max-concurrent"] ?? 16);
/** As the DaemonSet runs it unless --node-args says otherwise (--node-args="" is plain node). */
const LAUNCH = parseLaunch(values["node-args"]);
if (process.getuid?.() !== 0) throw new Error("run as root: the plugins need network namespaces");
const out = (line: string): boolean => process.stdout.write(`${line}\n`);
/** The plain script, run by plain node in its own process (a script's forks are a small process's). */
const SCRIPT = fileURLToPath(new URL("./plain-cni-script.mjs", import.meta.url));

type Conflist = { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };

function networks(dir: string, tag: string): { cluster: Conflist; a: Conflist; b: Conflist; bridges: string[] } {
  const ipam = (subnet: string, routes = true) => ({
    type: "host-local",
    dataDir: join(dir, "ipam"),
    ranges: [[{ subnet }]],
    ...(routes ? { routes: [{ dst: "0.0.0.0/0" }] } : {}),
  });
  const bridges = [uniqueName(`${tag}c`), uniqueName(`${tag}a`)];
  return {
    cluster: {
      cniVersion: "1.0.0",
      name: `${tag}-cluster`,
      plugins: [{ type: "bridge", bridge: bridges[0], isGateway: true, ipMasq: false, ipam: ipam("10.236.0.0/23") }],
    },
    a: {
      cniVersion: "1.0.0",
      name: `${tag}-a`,
      plugins: [{ type: "bridge", bridge: bridges[1], ipMasq: false, ipam: ipam("10.236.2.0/23", false) }],
    },
    b: { cniVersion: "1.0.0", name: `${tag}-b`, plugins: [{ type: "ptp", ipam: ipam("10.236.4.0/23", false) }] },
    bridges,
  };
}

async function findPlugin(type: string): Promise<string> {
  for (const d of CNI_BIN_DIRS) {
    const p = join(d, type);
    if ((await execa("test", ["-x", p], { reject: false })).exitCode === 0) return p;
  }
  throw new Error(`plugin ${type} not found in ${CNI_BIN_DIRS.join(", ")}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "na-bench-conc-"));
  const tag = `cc${Math.floor(Math.random() * 900 + 100)}`;
  const nets = networks(dir, tag);
  const initially = await hostSnapshot();
  const pods: Netns[] = [];
  let daemon: NetattachdProcess | undefined;
  try {
    for (const d of ["net.d", "definitions", "ipam", "state"]) await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, "net.d", "10-cluster.conflist"), JSON.stringify(nets.cluster));
    for (const n of [nets.a, nets.b]) {
      const nad = {
        apiVersion: "k8s.cni.cncf.io/v1",
        kind: "NetworkAttachmentDefinition",
        metadata: { name: n.name, namespace: "default" },
        spec: { config: JSON.stringify(n) },
      };
      await writeFile(join(dir, "definitions", `${n.name}.json`), JSON.stringify(nad));
    }
    for (let i = 0; i < PODS; i++) pods.push(await createNetns(`${tag}-`));
    const config = {
      socketPath: join(dir, "na.sock"),
      stateDir: join(dir, "state"),
      cniConfDir: join(dir, "net.d"),
      definitionsDir: join(dir, "definitions"),
      clusterNetwork: nets.cluster.name,
      cniBinDirs: CNI_BIN_DIRS,
      logLevel: "info",
      maxConcurrent: MAX_CONCURRENT,
    };
    daemon = await startNetattachd(dir, config, undefined, { script: await daemonBundle(), ...LAUNCH });
    const client = daemon.client;
    const plugins = Object.fromEntries(
      await Promise.all(["bridge", "ptp", "host-local"].map(async (t) => [t, await findPlugin(t)] as const)),
    );
    const annotations = { values: { "k8s.v1.cni.cncf.io/networks": `${nets.a.name},${nets.b.name}` } };
    const before = await hostSnapshot();
    const idle = await memoryOf(daemon.pid);
    out(
      `${PODS} pods × 3 networks at once, ${ROUNDS} alternating rounds, maxConcurrent ${MAX_CONCURRENT}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; netattachd ${describeLaunch(LAUNCH)}, idle RSS ${idle.rssMb.toFixed(1)} MiB`,
    );
    const rows: Array<{
      round: number;
      daemonAdd: number;
      daemonDel: number;
      scriptAdd: number;
      scriptDel: number;
      cpu: number;
      peak: number;
    }> = [];

    for (let round = 0; round < ROUNDS; round++) {
      const viaDaemon = async (): Promise<{ add: number; del: number; cpu: number; peak: number }> => {
        let peak = 0;
        const sampler = setInterval(
          () =>
            void memoryOf(daemon!.pid).then(
              (m) => (peak = Math.max(peak, m.rssMb)),
              () => undefined,
            ),
          20,
        );
        const cpu0 = await cpuMsOf(daemon!.pid);
        const t0 = performance.now();
        await Promise.all(
          pods.map((ns, i) =>
            client.attachNetworks({
              containerId: `${tag}d${round}p${i}`,
              netnsPath: ns.path,
              pod: { namespace: "default", name: `p${i}`, uid: `u${round}-${i}` },
              annotations,
              primaryInterface: "eth0",
              cniVersion: "1.0.0",
              selections: [],
              cniArgs: [],
            }),
          ),
        );
        const t1 = performance.now();
        await Promise.all(
          pods.map((ns, i) => client.detachNetworks({ containerId: `${tag}d${round}p${i}`, netnsPath: ns.path })),
        );
        const t2 = performance.now();
        clearInterval(sampler);
        return { add: t1 - t0, del: t2 - t1, cpu: ((await cpuMsOf(daemon!.pid)) - cpu0) / PODS, peak };
      };
      const viaScript = async (): Promise<{ add: number; del: number }> => {
        const job = {
          nets,
          plugins,
          binDirs: CNI_BIN_DIRS,
          path: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
          maxConcurrent: MAX_CONCURRENT,
          pods: pods.map((ns, i) => ({ id: `${tag}s${round}p${i}`, netns: ns.path })),
        };
        const { stdout } = await execa(process.execPath, [SCRIPT], { input: JSON.stringify(job) });
        const r = JSON.parse(stdout) as { addMs: number; delMs: number };
        return { add: r.addMs, del: r.delMs };
      };
      // Alternate which goes first.
      let d: Awaited<ReturnType<typeof viaDaemon>>;
      let s: Awaited<ReturnType<typeof viaScript>>;
      if (round % 2 === 0) {
        d = await viaDaemon();
        s = await viaScript();
      } else {
        s = await viaScript();
        d = await viaDaemon();
      }
      rows.push({
        round,
        daemonAdd: d.add,
        daemonDel: d.del,
        scriptAdd: s.add,
        scriptDel: s.del,
        cpu: d.cpu,
        peak: d.peak,
      });
      out(
        `  round ${round + 1}: ADD netattachd ${(d.add / 1000).toFixed(2)} s, script ${(s.add / 1000).toFixed(2)} s (${(d.add / s.add).toFixed(2)}×)   DEL netattachd ${(d.del / 1000).toFixed(2)} s, script ${(s.del / 1000).toFixed(2)} s (${(d.del / s.del).toFixed(2)}×)   daemon CPU ${d.cpu.toFixed(1)} ms/pod, RSS peak ${d.peak.toFixed(1)} MiB`,
      );
    }
    const sum = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((x, r) => x + f(r), 0);
    const addRatio = sum((r) => r.daemonAdd) / sum((r) => r.scriptAdd);
    const delRatio = sum((r) => r.daemonDel) / sum((r) => r.scriptDel);
    out(
      `  total: ADD ${addRatio.toFixed(2)}× the script (goal ≤ 1.1×: ${addRatio <= 1.1 ? "met" : "NOT met"}), DEL ${delRatio.toFixed(2)}×; ADD+DEL ${(sum((r) => r.daemonAdd + r.daemonDel) / sum((r) => r.scriptAdd + r.scriptDel)).toFixed(2)}×`,
    );
    out(
      `  netattachd RSS after: ${(await memoryOf(daemon.pid)).rssMb.toFixed(1)} MiB; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const leaks = await leakReport(before, [
      {
        ipamDir: join(dir, "ipam"),
        stateDir: join(dir, "state"),
        networks: [nets.cluster.name, nets.a.name, nets.b.name],
        bridges: nets.bridges,
      },
    ]);
    const inPods = (await Promise.all(pods.map((p) => p.links()))).flat().filter((l) => l.ifname !== "lo").length;
    out(`  leaks: ${leaks.line}; links left in the pods' netns ${inPods}`);
  } finally {
    await daemon?.stop();
    for (const p of pods) await p.delete().catch(() => undefined);
    await execa("ip", ["link", "del", nets.bridges[0]!], { reject: false });
    await execa("ip", ["link", "del", nets.bridges[1]!], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
  out(`  after cleanup: ${(await leakReport(initially, [])).line}`);
}

await main();
