// Shim overhead (root): the median of `netattach-cni` ADD then DEL through the real
// netattachd, minus the same delegate (bridge + host-local) executed directly, ADD then
// DEL, in the same iteration (paired, so drift cancels). Goal ≤ 20 ms.
// Also: cold start and one unary call for each way of packaging the shim.
//
//   npx tsx test/bench/shim-overhead.ts [iterations=40]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startNetattachd } from "../helpers/containerd/netattachd-process.js";
import { buildShim, REPO_ROOT } from "../helpers/containerd/shim-binary.js";
import { pairedDiff, stats, type Stats } from "./bench-stats.js";

const N = Number(process.argv[2] ?? 40);
const PATH_ONLY = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
}

function run(cmd: string, args: string[], env: Record<string, string>, stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - t0, code, stdout }));
    child.stdin.end(stdin);
  });
}

function must(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stdout}`);
  return r;
}

const fmt = (s: Stats): string => `median ${s.median.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  min ${s.min.toFixed(1)} ms  (n=${s.n})`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "na-bench-shim-"));
  const rand = Math.random().toString(16).slice(2, 6);
  const bridge = `nabs${rand}`;
  const confDir = join(dir, "net.d");
  const ipamDir = join(dir, "ipam");
  await mkdir(confDir, { recursive: true });
  const plugin = { type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: "10.239.0.0/16" }]], dataDir: ipamDir } };
  await writeFile(join(confDir, "10-bench.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "bench", plugins: [plugin] }));
  const socketPath = join(dir, "na.sock");
  const shim = await buildShim();
  const daemon = await startNetattachd(dir, { socketPath, stateDir: join(dir, "state"), cniConfDir: confDir, clusterNetwork: "bench", cniBinDirs: CNI_BIN_DIRS, logLevel: "warn" });
  const shimConf = JSON.stringify({ cniVersion: "1.0.0", name: "netattach", type: "netattach-cni", socketPath, runtimeConfig: { "io.kubernetes.cri.pod-annotations": null } });
  const directConf = JSON.stringify({ cniVersion: "1.0.0", name: "bench", ...plugin });
  const bridgeBin = join(CNI_BIN_DIRS[0] ?? "/usr/lib/cni", "bridge");
  const namespaces: string[] = [];
  const viaShim: number[] = [];
  const direct: number[] = [];
  try {
    for (let i = 0; i < N + 3; i++) {
      for (const mode of i % 2 === 0 ? ["shim", "direct"] : ["direct", "shim"]) {
        const ns = `nabs-${rand}-${i}-${mode}`;
        await execa("ip", ["netns", "add", ns]);
        namespaces.push(ns);
        const id = `bench${rand}${i}${mode}`;
        const env = { ...PATH_ONLY, CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/${ns}`, CNI_IFNAME: "eth0", CNI_PATH: CNI_BIN_DIRS.join(":"), CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${id};K8S_POD_UID=u${i};IgnoreUnknown=1` };
        let ms: number;
        if (mode === "shim") {
          const add = must(await run(shim, [], { ...env, CNI_COMMAND: "ADD" }, shimConf), "shim ADD");
          const del = must(await run(shim, [], { ...env, CNI_COMMAND: "DEL" }, shimConf), "shim DEL");
          ms = add.ms + del.ms;
        } else {
          const add = must(await run(bridgeBin, [], { ...env, CNI_COMMAND: "ADD" }, directConf), "bridge ADD");
          const prev = JSON.stringify({ ...JSON.parse(directConf), prevResult: JSON.parse(add.stdout) });
          const del = must(await run(bridgeBin, [], { ...env, CNI_COMMAND: "DEL" }, prev), "bridge DEL");
          ms = add.ms + del.ms;
        }
        // The first iterations warm page cache and the daemon's JIT; not counted.
        if (i >= 3) (mode === "shim" ? viaShim : direct).push(ms);
        await execa("ip", ["netns", "del", ns]);
      }
    }
    const overhead = stats(pairedDiff(viaShim, direct));
    process.stdout.write(`\nshim ADD+DEL through netattachd vs the same delegate run directly (${N} paired iterations)\n`);
    process.stdout.write(`  netattach-cni → netattachd → bridge : ${fmt(stats(viaShim))}\n`);
    process.stdout.write(`  bridge directly                     : ${fmt(stats(direct))}\n`);
    process.stdout.write(`  overhead (paired difference)        : ${fmt(overhead)}   goal ≤ 20 ms: ${overhead.median <= 20 ? "met" : "NOT met"}\n`);

    await packagingCandidates(dir, shim, socketPath);
  } finally {
    await daemon.stop();
    for (const ns of namespaces) await execa("ip", ["netns", "del", ns], { reject: false });
    await execa("ip", ["link", "del", bridge], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

/** Cold start (VERSION) and cold start + one unary call (STATUS → GetStatus) per packaging. */
async function packagingCandidates(dir: string, shim: string, socketPath: string): Promise<void> {
  const bun = join(REPO_ROOT, "node_modules/.bin/bun");
  const entry = join(REPO_ROOT, "client-cni/src/main.ts");
  const nodeBundle = join(dir, "netattach-cni.mjs");
  const noBytecode = join(dir, "netattach-cni-no-bytecode");
  await execa(bun, ["build", "--target=node", "--format=esm", "--minify", entry, "--outfile", nodeBundle]);
  await execa(bun, ["build", "--compile", "--minify", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", entry, "--outfile", noBytecode]);
  const candidates: [string, string, string[]][] = [
    ["bun --compile --bytecode (build/netattach-cni)", shim, []],
    ["bun --compile without --bytecode", noBytecode, []],
    ["node 20 + the same code bundled (what a SEA runs)", process.execPath, [nodeBundle]],
  ];
  const conf = JSON.stringify({ cniVersion: "1.1.0", name: "netattach", type: "netattach-cni", socketPath });
  process.stdout.write(`\npackaging candidates (${N} runs each, interleaved)\n`);
  const samples = candidates.map(() => ({ version: [] as number[], status: [] as number[] }));
  for (let i = 0; i < N; i++) {
    for (const [k, [, cmd, args]] of candidates.entries()) {
      samples[k]?.version.push(must(await run(cmd, args, { ...PATH_ONLY, CNI_COMMAND: "VERSION" }, conf), "VERSION").ms);
      samples[k]?.status.push(must(await run(cmd, args, { ...PATH_ONLY, CNI_COMMAND: "STATUS" }, conf), "STATUS").ms);
    }
  }
  for (const [k, [name]] of candidates.entries()) {
    process.stdout.write(`  ${name}\n    cold start (VERSION)          : ${fmt(stats(samples[k]?.version ?? []))}\n    cold start + GetStatus (STATUS): ${fmt(stats(samples[k]?.status ?? []))}\n`);
  }
  process.stdout.write("  node SEA itself: not built — injecting the blob needs postject (not a dependency); Node 20 cannot snapshot http2/grpc-js (useSnapshot), so a SEA starts like the node row above.\n");
}

await main();
