// Shim overhead (root), everything in one run so load on the machine hits every side alike:
//  1. start-up: a Bun hello-world compiled exactly like the shim (the floor) beside the
//     shim's VERSION, and the other packagings (no --bytecode; node 20 + the bundle);
//  2. one cold daemon call (STATUS → GetStatus) per packaging and per transport: the
//     shim's lean channel vs the same shim with grpc-js (nice-grpc's channel), and any
//     other build of the shim named with --compare (e.g. an older one);
//  3. ADD and DEL through the real netattachd vs the same delegate (bridge + host-local)
//     executed directly, paired per iteration (drift cancels), with the daemon's own RPC
//     time from its log. Overhead = median of (shim ADD+DEL − direct ADD+DEL). Goal ≤ 20 ms.
//
//   npx tsx test/bench/shim-overhead.ts [iterations=40] [--compare name=/path/to/netattach-cni ...]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startNetattachd } from "../helpers/containerd/netattachd-process.js";
import { buildShim, REPO_ROOT } from "../helpers/containerd/shim-binary.js";
import { pairedDiff, stats, type Stats } from "./bench-stats.js";

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 40);
/** Other builds of the shim to run beside this one: --compare name=/path/to/binary. */
const COMPARE = process.argv.flatMap((a, i) => (process.argv[i - 1] === "--compare" ? [a.split("=")] : [])).map(([name = "", cmd = ""]) => ({ name, cmd, args: [] }));
const WARMUP = 3;
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
const med = (xs: readonly number[]): string => `${stats(xs).median.toFixed(1).padStart(6)} ms`;
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

/** The shim's own runShim with nice-grpc's grpc-js channel instead of the lean one (the old transport). */
const grpcJsEntry = (root: string): string => `
import { readFileSync, writeSync } from "node:fs";
import { runShim } from "${root}client-cni/src/shim.ts";
runShim({
  env: process.env,
  readStdin: async () => readFileSync(0, "utf8"),
  connect: async (socketPath: string) => {
    const { createChannel, createClientFactory } = await import("nice-grpc");
    const { deadlineMiddleware } = await import("nice-grpc-client-middleware-deadline");
    const { errorDetailsClientMiddleware } = await import("nice-grpc-error-details");
    const { AttachmentServiceDefinition } = await import("${root}proto/gen/netattach/v1/attachment_service.ts");
    const channel = createChannel("unix://" + socketPath);
    const client = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware).create(AttachmentServiceDefinition, channel);
    return { client, close: () => channel.close() } as never;
  },
  logSink: () => (line: string) => void writeSync(2, line),
  clock: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) },
}).then(({ stdout, exitCode }) => { writeSync(1, stdout); process.exit(exitCode); });
`;

interface Program {
  readonly name: string;
  readonly cmd: string;
  readonly args: string[];
}

/** Every packaging, built into `dir`: the floor and the shim by tools/build.mjs (same flags). */
async function buildPrograms(dir: string, shim: string): Promise<{ floor: Program; shim: Program; grpcJs: Program; others: Program[] }> {
  const bun = join(REPO_ROOT, "node_modules/.bin/bun");
  const entry = join(REPO_ROOT, "client-cni/src/main.ts");
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  await writeFile(join(dir, "hello.ts"), 'console.log("hello");\n');
  await writeFile(join(dir, "grpc-js-main.ts"), grpcJsEntry(REPO_ROOT));
  const build = (src: string, bin: string) => execa("node", [join(REPO_ROOT, "tools/build.mjs"), "--entry", src, "--out", bin], { cwd: REPO_ROOT });
  await build(join(dir, "hello.ts"), join(dir, "hello"));
  await build(join(dir, "grpc-js-main.ts"), join(dir, "netattach-cni-grpc-js"));
  const common = ["--minify", "--conditions=import", entry];
  await execa(bun, ["build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", ...common, "--outfile", join(dir, "no-bytecode")]);
  await execa(bun, ["build", "--target=node", "--format=esm", ...common, "--outfile", join(dir, "netattach-cni.mjs")]);
  return {
    floor: { name: "bun hello-world, built like the shim (floor)", cmd: join(dir, "hello"), args: [] },
    shim: { name: "netattach-cni (lean HTTP/2 channel)", cmd: shim, args: [] },
    grpcJs: { name: "netattach-cni with grpc-js (nice-grpc channel)", cmd: join(dir, "netattach-cni-grpc-js"), args: [] },
    others: [
      { name: "bun --compile without --bytecode", cmd: join(dir, "no-bytecode"), args: [] },
      { name: "node 20 + the same code bundled (what a SEA runs)", cmd: process.execPath, args: [join(dir, "netattach-cni.mjs")] },
    ],
  };
}

/** Sections 1 and 2: cold start (VERSION) and cold start + one GetStatus (STATUS), interleaved. */
async function startUp(programs: Program[], socketPath: string): Promise<void> {
  const conf = JSON.stringify({ cniVersion: "1.1.0", name: "netattach", type: "netattach-cni", socketPath });
  const samples = programs.map(() => ({ version: [] as number[], status: [] as number[] }));
  for (let i = 0; i < N; i++) {
    for (const [k, p] of programs.entries()) {
      samples[k]?.version.push(must(await run(p.cmd, p.args, { ...PATH_ONLY, CNI_COMMAND: "VERSION" }, conf), `${p.name} VERSION`).ms);
      if (k > 0) samples[k]?.status.push(must(await run(p.cmd, p.args, { ...PATH_ONLY, CNI_COMMAND: "STATUS" }, conf), `${p.name} STATUS`).ms);
    }
  }
  out(`\nstart-up: VERSION, answered locally (${N} runs each, interleaved)`);
  for (const [k, p] of programs.entries()) out(`  ${p.name.padEnd(50)}: ${fmt(stats(samples[k]?.version ?? []))}`);
  out(`\none cold daemon call: STATUS → GetStatus (${N} runs each, interleaved)`);
  for (const [k, p] of programs.entries()) if (k > 0) out(`  ${p.name.padEnd(50)}: ${fmt(stats(samples[k]?.status ?? []))}`);
}

interface RpcLine {
  msg?: string;
  rpc?: string;
  containerId?: string;
  durationMs?: number;
}

/** durationMs of each "call ok" the daemon logged, by rpc and container id. */
function rpcTimes(log: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of log.split("\n")) {
    try {
      const l = JSON.parse(line) as RpcLine;
      if (l.msg === "call ok" && l.rpc && l.containerId && typeof l.durationMs === "number") times.set(`${l.rpc} ${l.containerId}`, l.durationMs);
    } catch {
      // Not a JSON line.
    }
  }
  return times;
}


async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "na-bench-shim-"));
  const rand = Math.random().toString(16).slice(2, 6);
  const bridge = `nabs${rand}`;
  const confDir = join(dir, "net.d");
  await mkdir(confDir, { recursive: true });
  const plugin = { type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: "10.239.0.0/16" }]], dataDir: join(dir, "ipam") } };
  await writeFile(join(confDir, "10-bench.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "bench", plugins: [plugin] }));
  const socketPath = join(dir, "na.sock");
  const programs = await buildPrograms(dir, await buildShim());
  // info: the daemon logs every call's duration ("call ok", durationMs).
  const daemon = await startNetattachd(dir, { socketPath, stateDir: join(dir, "state"), cniConfDir: confDir, clusterNetwork: "bench", cniBinDirs: CNI_BIN_DIRS, logLevel: "info" });
  const shimConf = JSON.stringify({ cniVersion: "1.0.0", name: "netattach", type: "netattach-cni", socketPath, runtimeConfig: { "io.kubernetes.cri.pod-annotations": null } });
  const directConf = JSON.stringify({ cniVersion: "1.0.0", name: "bench", ...plugin });
  const bridgeBin = join(CNI_BIN_DIRS[0] ?? "/usr/lib/cni", "bridge");
  const namespaces: string[] = [];
  const shims = [programs.shim, programs.grpcJs, ...COMPARE];
  const sides = [...shims.map((p) => p.name), "bridge directly"];
  const add = sides.map(() => [] as number[]);
  const del = sides.map(() => [] as number[]);
  const ids: string[] = [];
  try {
    await startUp([programs.floor, programs.shim, programs.grpcJs, ...COMPARE, ...programs.others], socketPath);
    for (let i = 0; i < N + WARMUP; i++) {
      for (let r = 0; r < sides.length; r++) {
        const k = (r + i) % sides.length; // Order rotated, so no side always runs first.
        const ns = `nabs-${rand}-${i}-${k}`;
        await execa("ip", ["netns", "add", ns]);
        namespaces.push(ns);
        const id = `bench${rand}${i}s${k}`;
        const env = { ...PATH_ONLY, CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/${ns}`, CNI_IFNAME: "eth0", CNI_PATH: CNI_BIN_DIRS.join(":"), CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${id};K8S_POD_UID=u${i};IgnoreUnknown=1` };
        const shim = shims[k];
        let a: Run;
        let d: Run;
        if (shim === undefined) {
          a = must(await run(bridgeBin, [], { ...env, CNI_COMMAND: "ADD" }, directConf), "bridge ADD");
          const prev = JSON.stringify({ ...JSON.parse(directConf), prevResult: JSON.parse(a.stdout) });
          d = must(await run(bridgeBin, [], { ...env, CNI_COMMAND: "DEL" }, prev), "bridge DEL");
        } else {
          a = must(await run(shim.cmd, shim.args, { ...env, CNI_COMMAND: "ADD" }, shimConf), `${shim.name} ADD`);
          d = must(await run(shim.cmd, shim.args, { ...env, CNI_COMMAND: "DEL" }, shimConf), `${shim.name} DEL`);
        }
        // The first iterations warm page cache and the daemon's JIT; not counted.
        if (i >= WARMUP) {
          add[k]?.push(a.ms);
          del[k]?.push(d.ms);
          if (k === 0) ids.push(id);
        }
        await execa("ip", ["netns", "del", ns]);
      }
    }
    const rpc = rpcTimes(await daemon.log());
    const rpcOf = (name: string): number[] => ids.flatMap((id) => rpc.get(`${name} ${id}`) ?? []);
    /** shim time − the daemon's RPC time, for the iterations the daemon logged. */
    const outside = (name: string, shimMs: number[]): number[] => ids.flatMap((id, k) => (rpc.has(`${name} ${id}`) ? [(shimMs[k] ?? 0) - (rpc.get(`${name} ${id}`) ?? 0)] : []));
    const direct = sides.length - 1;
    const sum = (k: number): number[] => (add[k] ?? []).map((ms, j) => ms + (del[k]?.[j] ?? Number.NaN));
    out(`\nADD and DEL through netattachd vs the same delegate run directly (${N} iterations, order rotated)`);
    out(`  ${"".padEnd(50)}       ADD         DEL`);
    for (const [k, name] of sides.entries()) out(`  ${(k === direct ? name : `${name} → netattachd`).padEnd(50)}: ${med(add[k] ?? [])}   ${med(del[k] ?? [])}`);
    const attachRpc = rpcOf("AttachNetworks");
    if (attachRpc.length > 0) {
      out(`  ${"netattachd's own RPC time (its log, first row's calls)".padEnd(50)}: ${med(attachRpc)}   ${med(rpcOf("DetachNetworks"))}`);
      out(`  ${"first row's shim process outside the RPC".padEnd(50)}: ${med(outside("AttachNetworks", add[0] ?? []))}   ${med(outside("DetachNetworks", del[0] ?? []))}`);
    } else {
      out("  netattachd's own RPC time: not in its log (no \"call ok\" lines with durationMs)");
    }
    out("  overhead = ADD+DEL − direct ADD+DEL, paired per iteration:");
    for (const [k, shim] of shims.entries()) {
      const o = stats(pairedDiff(sum(k), sum(direct)));
      out(`  ${shim.name.padEnd(50)}: ${fmt(o)}${k === 0 ? `   goal ≤ 20 ms: ${o.median <= 20 ? "met" : "NOT met"}` : ""}`);
    }
  } finally {
    await daemon.stop();
    for (const ns of namespaces) await execa("ip", ["netns", "del", ns], { reject: false });
    await execa("ip", ["link", "del", bridge], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
