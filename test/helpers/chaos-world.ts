// Attach/detach cycles with the daemon SIGKILLed at random points, shared by the chaos benchmark
// (test/bench/chaos.ts) and its short CI version (test/e2e/chaos.test.ts). One pod per cycle in a
// fresh netns: the cluster network (a real bridge) and two secondaries (macvlan on a host veth,
// ptp). The caller behaves like containerd: ADD once; then DEL (StopPodSandbox) until it succeeds,
// then DEL with an empty netns (RemovePodSandbox) until it succeeds. A killed daemon is restarted
// at once (what the DaemonSet does). At the end everything that could leak is counted.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLUGIN_OWNER_ENV } from "../../server/src/cni/index.js";
import { createDaemonClient, type DaemonClient } from "../../tools/src/daemon-client.js";
import { CNI_BIN_DIRS } from "./cni-bin.js";
import { deleteHostLinks, filesUnder, isIpamBookkeeping } from "./host-net.js";
import { ipJson, type IpAddr, type IpLink } from "./ip-json.js";
import { distinctSubnets, type TestSubnet } from "./netconf-fixture.js";
import { uniqueName } from "./netns.js";
import { listProcesses } from "./processes.js";
import { runCmd, tryCmd } from "./run-cmd.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface ChaosOptions {
  readonly cycles: number;
  /** Cycles whose daemon is SIGKILLed at a random point (the first of each group of 1/share). */
  readonly killShare: number;
  /** How the daemon runs: the production bundle (build/netattachd.mjs) or tsx on the sources. */
  readonly daemon: "bundle" | "tsx";
  readonly seed: number;
  /** A kill lands this long into its cycle at most (uniform). */
  readonly maxKillDelayMs: number;
  readonly onCycle?: (i: number, killed: boolean) => void;
}

export interface ChaosCounts {
  readonly cycles: number;
  readonly kills: number;
  readonly addFailed: number;
  /** DEL attempts that failed (daemon down) and were retried. */
  readonly delRetries: number;
  readonly durationMs: number;
  readonly leaked: {
    readonly netns: number;
    readonly hostVeths: number;
    readonly macvlanLinks: number;
    readonly addresses: number;
    readonly stateFiles: number;
    readonly tempFiles: number;
    readonly pluginProcesses: number;
  };
  /** What leaked, for the report. */
  readonly details: readonly string[];
}

interface World {
  readonly dir: string;
  readonly stateDir: string;
  readonly dataDir: string;
  readonly configPath: string;
  readonly socketPath: string;
  readonly bridge: string;
  readonly master: string;
  readonly subnets: { readonly cluster: TestSubnet; readonly mv: TestSubnet; readonly ptp: TestSubnet };
}

async function createWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), "na-chaos-"));
  const [cluster, mv, ptp] = distinctSubnets(3);
  const w: World = {
    dir,
    stateDir: join(dir, "state"),
    dataDir: join(dir, "ipam"),
    configPath: join(dir, "netattachd.json"),
    socketPath: join(dir, "na.sock"),
    bridge: uniqueName("chbr"),
    master: uniqueName("chmv"),
    subnets: { cluster, mv, ptp },
  };
  const ipam = (s: TestSubnet) => ({
    type: "host-local",
    dataDir: w.dataDir,
    ranges: [[{ subnet: s.subnet, gateway: s.gateway }]],
  });
  await mkdir(join(dir, "net.d"), { recursive: true });
  await mkdir(join(dir, "definitions"));
  await writeFile(
    join(dir, "net.d", "10-chaos.conflist"),
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "chaos-cluster",
      plugins: [{ type: "bridge", bridge: w.bridge, isGateway: true, ipam: ipam(w.subnets.cluster) }],
    }),
  );
  const nad = (name: string, config: object) => ({
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name, namespace: "default" },
    spec: { config: JSON.stringify(config) },
  });
  await writeFile(
    join(dir, "definitions", "nads.json"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        nad("chaos-mv", {
          cniVersion: "1.0.0",
          name: "chaos-mv",
          type: "macvlan",
          master: w.master,
          mode: "bridge",
          ipam: ipam(w.subnets.mv),
        }),
        nad("chaos-ptp", { cniVersion: "1.0.0", name: "chaos-ptp", type: "ptp", ipam: ipam(w.subnets.ptp) }),
      ],
    }),
  );
  await writeFile(
    w.configPath,
    JSON.stringify({
      socketPath: w.socketPath,
      stateDir: w.stateDir,
      cniConfDir: join(dir, "net.d"),
      definitionsDir: join(dir, "definitions"),
      clusterNetwork: "chaos-cluster",
      cniBinDirs: CNI_BIN_DIRS,
      defaultNamespace: "default",
      logLevel: "warn",
      kubernetes: { mode: "none" },
      // No runtime here: netns existence is the reconciler's truth.
      reconcile: { enabled: true, intervalMs: 5_000, gracePeriodMs: 30_000, runtimeSocket: "" },
    }),
  );
  await runCmd("ip", ["link", "add", w.master, "type", "veth", "peer", "name", `${w.master.slice(0, 13)}p`]);
  await runCmd("ip", ["link", "set", w.master, "up"]);
  return w;
}

/** A small seeded PRNG (mulberry32): the same seed kills at the same points. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DaemonRun {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function startDaemon(w: World, how: ChaosOptions["daemon"]): DaemonRun {
  const args =
    how === "bundle" ? [join(REPO, "build/netattachd.mjs")] : ["--import", "tsx", join(REPO, "server/src/main.ts")];
  const child = spawn(process.execPath, [...args, "--config", w.configPath], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "inherit"],
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  return { child, exited: new Promise((resolve) => child.once("exit", () => resolve())) };
}

async function waitReady(w: World, run: DaemonRun): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (run.child.exitCode !== null) throw new Error(`netattachd exited with ${run.child.exitCode} while starting`);
    const client = createDaemonClient(w.socketPath);
    const ready = await client.api.getStatus({}, { deadline: new Date(Date.now() + 1_000) }).then(
      (s) => s.ready,
      () => false,
    );
    client.close();
    if (ready) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("netattachd did not become ready");
}

/** One call on a fresh client (a restarted daemon is reached at once, not after grpc-js's reconnect backoff). */
async function call<T>(w: World, fn: (c: DaemonClient) => Promise<T>): Promise<T> {
  const client = createDaemonClient(w.socketPath);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosCounts> {
  if (o.daemon === "bundle" && !existsSync(join(REPO, "build/netattachd.mjs")))
    throw new Error("no build/netattachd.mjs: run `npm run build`, or use --daemon tsx");
  const w = await createWorld();
  const random = prng(o.seed);
  const every = Math.max(1, Math.round(1 / o.killShare));
  let run = startDaemon(w, o.daemon);
  let kills = 0;
  let addFailed = 0;
  let delRetries = 0;
  const started = Date.now();
  const killAndRestart = async (delayMs: number): Promise<void> => {
    await new Promise((r) => setTimeout(r, delayMs));
    const victim = run;
    victim.child.kill("SIGKILL");
    kills++;
    await victim.exited;
    run = startDaemon(w, o.daemon);
    await waitReady(w, run);
  };
  try {
    await waitReady(w, run);
    for (let i = 0; i < o.cycles; i++) {
      const name = `chaos-${w.bridge}-${i}`;
      await runCmd("ip", ["netns", "add", name]);
      const netnsPath = `/var/run/netns/${name}`;
      const kill = i % every === 0;
      // The kill runs beside the cycle's calls, at a random point of it; the daemon comes back at once.
      const killed = kill ? killAndRestart(Math.floor(random() * o.maxKillDelayMs)) : undefined;
      const pod = { namespace: "default", name: `chaos-${i}`, uid: `uid-${i}` };
      const containerId = `chaos${o.seed}x${i}`;
      try {
        await call(w, (c) =>
          c.api.attachNetworks({
            containerId,
            netnsPath,
            pod,
            annotations: { values: { "k8s.v1.cni.cncf.io/networks": "chaos-mv,chaos-ptp" } },
            primaryInterface: "eth0",
            selections: [],
            cniArgs: [],
            cniVersion: "",
          }),
        );
      } catch {
        addFailed++;
      }
      for (const netns of [netnsPath, ""]) {
        for (;;) {
          try {
            await call(w, (c) => c.api.detachNetworks({ containerId, netnsPath: netns, pod }));
            break;
          } catch {
            delRetries++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
      // A cycle faster than its kill point: the kill lands after it; the next cycle starts on a live daemon.
      await killed;
      await runCmd("ip", ["netns", "del", name]);
      o.onCycle?.(i, kill);
    }
  } finally {
    run.child.kill("SIGTERM");
    await Promise.race([run.exited, new Promise((r) => setTimeout(r, 10_000))]);
    run.child.kill("SIGKILL");
  }
  const counts = await countLeaks(w, {
    cycles: o.cycles,
    kills,
    addFailed,
    delRetries,
    durationMs: Date.now() - started,
  });
  await cleanupWorld(w);
  return counts;
}

async function countLeaks(w: World, base: Omit<ChaosCounts, "leaked" | "details">): Promise<ChaosCounts> {
  const details: string[] = [];
  const netns = (await readdir("/var/run/netns").catch(() => [])).filter((n) => n.startsWith(`chaos-${w.bridge}-`));
  const links = await ipJson<IpLink[]>(undefined, ["-d", "link", "show"]);
  const addrs = await ipJson<IpAddr[]>(undefined, ["addr", "show"]);
  // Host veths of this world: on its bridge, or carrying its ptp gateway address.
  const ptpHosts = new Set(
    addrs.filter((a) => a.addr_info.some((i) => i.local === w.subnets.ptp.gateway)).map((a) => a.ifname),
  );
  const veths = links.filter(
    (l) => l.linkinfo?.info_kind === "veth" && (l.master === w.bridge || ptpHosts.has(l.ifname)),
  );
  const macvlans = links.filter((l) => l.linkinfo?.info_kind === "macvlan" && l.link === w.master);
  const addresses = (await filesUnder(w.dataDir)).filter((f) => !isIpamBookkeeping(f));
  const state = [
    ...(await filesUnder(join(w.stateDir, "attachments"))),
    ...(await filesUnder(join(w.stateDir, "orphans"))),
  ];
  const temps = (await filesUnder(w.stateDir)).filter((f) => f.endsWith(".tmp"));
  const processes = await ownedProcesses(w.stateDir);
  details.push(
    ...netns.map((n) => `netns ${n}`),
    ...veths.map((l) => `host veth ${l.ifname}`),
    ...macvlans.map((l) => `macvlan ${l.ifname}`),
  );
  details.push(
    ...addresses.map((f) => `address ${f}`),
    ...state.map((f) => `state ${f}`),
    ...temps.map((f) => `temp ${f}`),
    ...processes.map((p) => `process ${p}`),
  );
  return {
    ...base,
    leaked: {
      netns: netns.length,
      hostVeths: veths.length,
      macvlanLinks: macvlans.length,
      addresses: addresses.length,
      stateFiles: state.length,
      tempFiles: temps.length,
      pluginProcesses: processes.length,
    },
    details,
  };
}

/** Processes still carrying this daemon's owner mark (plugins and what they started). */
async function ownedProcesses(owner: string): Promise<string[]> {
  return (await listProcesses())
    .filter((p) => p.environ.includes(`${PLUGIN_OWNER_ENV}=${owner}`))
    .map((p) => `${p.pid} ${p.cmdline}`);
}

async function cleanupWorld(w: World): Promise<void> {
  for (const n of (await readdir("/var/run/netns").catch(() => [])).filter((x) => x.startsWith(`chaos-${w.bridge}-`)))
    await tryCmd("ip", ["netns", "del", n]);
  await deleteHostLinks(w.bridge, w.master);
  await rm(w.dir, { recursive: true, force: true });
}
