// The "plain script" side of bench:concurrent, in its own lean `node` process (no tsx, no gRPC
// client), so its forks cost what a small script's do: libcni's conflist ADD, then DEL, for every
// pod, `maxConcurrent` pods at a time, each pod's cluster network first and its two secondaries
// concurrently (DEL the other way round). Reads the job as JSON on stdin, prints
// {"addMs":…,"delMs":…} on stdout.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import process from "node:process";

const job = JSON.parse(readFileSync(0, "utf8"));

function exec(path, env, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`${path} exited ${code}: ${Buffer.concat(out)} ${Buffer.concat(err)}`)),
    );
    child.stdin.end(stdin);
  });
}

async function runList(list, command, containerId, netns, ifName, prev) {
  let prevResult = prev;
  const plugins = command === "ADD" ? list.plugins : [...list.plugins].reverse();
  for (const p of plugins) {
    const conf = {
      ...p,
      name: list.name,
      cniVersion: list.cniVersion,
      ...(prevResult !== undefined ? { prevResult } : {}),
    };
    const env = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: netns,
      CNI_IFNAME: ifName,
      CNI_PATH: job.binDirs.join(":"),
      PATH: job.path,
    };
    const stdout = await exec(job.plugins[p.type], env, JSON.stringify(conf));
    if (command === "ADD") prevResult = JSON.parse(stdout.toString());
  }
  return prevResult;
}

/** Runs fn over items, at most `n` at once. */
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

const { cluster, a, b } = job.nets;
const results = [];
const t0 = performance.now();
await pool(job.pods, job.maxConcurrent, async (pod, i) => {
  const c = await runList(cluster, "ADD", pod.id, pod.netns, "eth0");
  const [ra, rb] = await Promise.all([
    runList(a, "ADD", pod.id, pod.netns, "net1"),
    runList(b, "ADD", pod.id, pod.netns, "net2"),
  ]);
  results[i] = [c, ra, rb];
});
const t1 = performance.now();
await pool(job.pods, job.maxConcurrent, async (pod, i) => {
  const [c, ra, rb] = results[i];
  await Promise.all([
    runList(a, "DEL", pod.id, pod.netns, "net1", ra),
    runList(b, "DEL", pod.id, pod.netns, "net2", rb),
  ]);
  await runList(cluster, "DEL", pod.id, pod.netns, "eth0", c);
});
process.stdout.write(JSON.stringify({ addMs: t1 - t0, delMs: performance.now() - t1 }));
