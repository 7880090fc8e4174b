// Bench part 2: memory of the informers. A child netattachd (server/src/main.ts, as deployed)
// against the stand-in: RSS without Kubernetes, with an empty stand-in, and with the pods and
// definitions loaded; plus the edge's own heap growth measured in-process (needs --expose-gc).
import { spawn } from "node:child_process";
import { readFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { createKubeEdge } from "../../server/src/kube/index.js";
import { tempDir } from "../helpers/daemon.js";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";

const NODE = "bench-node";
const ROOT = new URL("../../", import.meta.url).pathname;

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

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function seed(s: KubeStandIn, podsOnNode: number, podsElsewhere: number, definitions: number): void {
  for (let i = 0; i < definitions; i++) {
    s.createNad({ namespace: `team-${i % 20}`, name: `net-${i}`, config: { cniVersion: "1.0.0", name: `net-${i}`, type: "macvlan", master: "eth0", mode: "bridge", ipam: { type: "host-local", ranges: [[{ subnet: `10.${i % 250}.0.0/16` }]] } } });
  }
  for (let i = 0; i < podsOnNode + podsElsewhere; i++) {
    s.createPod({ namespace: `team-${i % 20}`, name: `app-${i}`, nodeName: i < podsOnNode ? NODE : `other-${i % 50}`, annotations: { "k8s.v1.cni.cncf.io/networks": `net-${i % definitions}` } });
  }
}

/** RSS of a child daemon once both informers watch (or, without Kubernetes, once it listens). */
async function childRss(kube: KubeStandIn | undefined): Promise<number> {
  const dir = await tempDir("na-kube-rss-");
  await mkdir(join(dir, "net.d"));
  await writeFile(join(dir, "net.d", "10-cbr0.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge", bridge: "cbr0" }] }));
  const args = ["--import", "tsx", join(ROOT, "server/src/main.ts"), "--socket", join(dir, "d.sock"), "--state-dir", join(dir, "state"), "--cni-conf-dir", join(dir, "net.d"), "--cluster-network", "cbr0", "--log-level", "warn"];
  if (kube) args.push("--kube-mode", "kubeconfig", "--kubeconfig", await kube.writeKubeconfig(dir), "--node-name", NODE);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  try {
    const synced = () => (kube ? kube.openWatches("pods") === 1 && kube.openWatches("network-attachment-definitions") === 1 : true);
    for (let i = 0; i < 300 && !synced(); i++) await sleep(100);
    if (!synced()) throw new Error("child daemon did not sync with the stand-in");
    await sleep(3_000); // let startup garbage settle
    const samples: number[] = [];
    for (let i = 0; i < 5; i++, await sleep(200)) samples.push(await rssMb(child.pid!));
    return samples.sort((a, b) => a - b)[2]!;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

/** Heap the edge itself keeps for the loaded informers (stand-in data is allocated before the baseline). */
async function edgeHeapDelta(s: KubeStandIn): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const dir = await tempDir("na-kube-heap-");
  const edge = createKubeEdge(
    { mode: "kubeconfig", kubeconfigPath: await s.writeKubeconfig(dir), nodeName: NODE, namespaces: [], statusFailurePolicy: "fail", confDir: dir },
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

export async function benchInformerMemory(podsOnNode: number, podsElsewhere: number, definitions: number): Promise<MemoryResult> {
  const empty = await startKubeStandIn();
  const loaded = await startKubeStandIn();
  seed(loaded, podsOnNode, podsElsewhere, definitions);
  try {
    const podListBytes = Buffer.byteLength(JSON.stringify(loaded.store.list("pods", (p) => (p.spec as { nodeName?: string }).nodeName === NODE)));
    const rssNoKubeMb = await childRss(undefined);
    const rssEmptyMb = await childRss(empty);
    const rssLoadedMb = await childRss(loaded);
    const heapDeltaMb = await edgeHeapDelta(loaded);
    return { podsOnNode, podsElsewhere, definitions, podListBytes, rssNoKubeMb, rssEmptyMb, rssLoadedMb, ...(heapDeltaMb !== undefined ? { heapDeltaMb } : {}) };
  } finally {
    await empty.close();
    await loaded.close();
  }
}
