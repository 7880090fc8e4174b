// The reconciler in a daemon composed like main.ts (real runtime, test-double plugins, real gRPC)
// against a stand-in CRI runtime: which sandboxes exist is the runtime's word; without it, netns
// existence decides; at start-up what a previous daemon left half done is cleaned up.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GarbageCollectOutcome, GarbageCollectReason } from "../../proto/gen/netattach/v1/attachment_service.js";
import { PLUGIN_OWNER_ENV } from "../../server/src/cni/index.js";
import { stateLayout, type DaemonConfig } from "../../server/src/config/index.js";
import { runCli } from "../../tools/src/cli.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { startFakeCri, type FakeCri } from "../helpers/fake-cri.js";
import { createScratchNetns, createScratchNetnsPool, type ScratchNetnsPool } from "../helpers/scratch-netns.js";
import { isGone, NOOP_PLUGIN, waitFor } from "../fixtures/plugins/plugin-bin.js";

let dir: string;
let debugFile: string;
/** A namespace of its own for every container, as a runtime gives it. */
let netns: ScratchNetnsPool;
let cri: FakeCri;
const daemons: TestDaemon[] = [];

beforeEach(async () => {
  dir = await tempDir("na-reconcile-");
  debugFile = join(dir, "debug.jsonl");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP_PLUGIN, join(dir, "bin", "noop"));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "noop", debugFile }] }),
  );
  netns = createScratchNetnsPool();
  cri = await startFakeCri(join(dir, "cri.sock"));
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await cri.stop();
  await netns.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(reconcile: Partial<DaemonConfig["reconcile"]>): Promise<TestDaemon> {
  const d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      reconcile: {
        enabled: true,
        intervalMs: 100,
        gracePeriodMs: 0,
        gcTimeoutMs: 10_000,
        runtimeSocket: cri.socketPath,
        ...reconcile,
      },
    },
    { dir },
  );
  daemons.push(d);
  return d;
}

const pod = (name: string) => ({ namespace: "default", name, uid: `uid-${name}` });
const attach = async (d: TestDaemon, containerId: string, path?: string) =>
  d.client.api.attachNetworks({
    containerId,
    netnsPath: path ?? (await netns.path(containerId)),
    pod: pod(containerId),
    annotations: { values: {} },
  });
const listed = async (d: TestDaemon): Promise<string[]> =>
  (await d.client.api.listAttachments({})).attachments.map((a) => a.containerId).sort();
const dels = async (containerId: string): Promise<number> =>
  (await readFile(debugFile, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { command: string; env: Record<string, string> })
    .filter((l) => l.command === "DEL" && l.env.CNI_CONTAINERID === containerId).length;

async function until(what: string, cond: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the reconciler", () => {
  it("detaches, within a period, an attachment whose sandbox the runtime no longer lists; listed ones stay", async () => {
    cri.sandboxes.add("keep").add("drop");
    const d = await start({});
    await attach(d, "keep");
    await attach(d, "drop");
    cri.sandboxes.delete("drop");
    await until("the reconciler detaches drop", async () => (await listed(d)).join() === "keep");
    expect(await dels("drop")).toBe(1);
    expect(await dels("keep")).toBe(0);
    expect(
      d.logs.filter(
        (l) =>
          l.msg ===
          "reconciler: the container runtime's sandbox list is the truth (fake-cri 1.0 at unix://" +
            cri.socketPath +
            ")",
      ),
    ).toHaveLength(1);
    expect(d.logs.some((l) => l.containerId === "drop" && l.reason === "sandbox-gone" && l.outcome === "removed")).toBe(
      true,
    );
  });

  it("without the runtime socket says so once, and judges by netns existence", async () => {
    await cri.stop();
    const d = await start({ runtimeSocket: join(dir, "absent.sock") });
    const other = await createScratchNetns();
    await attach(d, "stays");
    await attach(d, "netns-deleted", other.path);
    await other.close();
    await until("the reconciler detaches netns-deleted", async () => (await listed(d)).join() === "stays");
    await new Promise((r) => setTimeout(r, 300));
    const said = d.logs.filter(
      (l) => typeof l.msg === "string" && l.msg.startsWith("reconciler: no container runtime socket at"),
    );
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toBe(
      `reconciler: no container runtime socket at ${join(dir, "absent.sock")}: sandboxes are judged by netns existence`,
    );
    expect(await dels("stays")).toBe(0);
    cri = await startFakeCri(join(dir, "cri.sock"));
  });

  it("GarbageCollect with dry_run lists without removing; without it, removes", async () => {
    cri.sandboxes.add("a");
    const d = await start({ enabled: false });
    await attach(d, "a");
    cri.sandboxes.clear();
    const dry = await d.client.api.garbageCollect({ dryRun: true });
    expect(dry.report?.dryRun).toBe(true);
    expect(dry.report?.sources).toEqual([
      `CRI ListPodSandbox: fake-cri 1.0 at unix://${cri.socketPath}`,
      "netns existence",
    ]);
    expect(dry.report?.items.map((i) => [i.containerId, i.reason, i.outcome])).toEqual([
      [
        "a",
        GarbageCollectReason.GARBAGE_COLLECT_REASON_SANDBOX_GONE,
        GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_WOULD_REMOVE,
      ],
    ]);
    expect(dry.removedContainerIds).toEqual([]);
    expect(await listed(d)).toEqual(["a"]);
    expect(await dels("a")).toBe(0);
    // The same through netattachctl.
    let out = "";
    const code = await runCli({
      argv: ["gc", "--dry-run", "--socket", d.socketPath],
      env: {},
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (out += t) },
    });
    expect(code).toBe(0);
    expect(out).toContain("dry run: nothing was removed\n");
    expect(out).toMatch(/\na +default\/a +sandbox-gone +would-remove +eth0:cluster +10\.1\.2\.3\/24\n/);
    expect(await listed(d)).toEqual(["a"]);

    const real = await d.client.api.garbageCollect({});
    expect(real.removedContainerIds).toEqual(["a"]);
    expect(real.report?.items.map((i) => i.outcome)).toEqual([GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_REMOVED]);
    expect(await listed(d)).toEqual([]);
  });

  it("at start-up moves records from the old state path, removes temp files and kills what a previous daemon left running", async () => {
    cri.sandboxes.add("old");
    const first = await start({ enabled: false });
    await attach(first, "old");
    await first.stop();
    daemons.length = 0;
    // What a 0.1 daemon left: its record one directory too deep, half-written temp files, a plugin still running.
    const layout = stateLayout({ stateDir: join(dir, "state") });
    await mkdir(layout.legacyAttachmentsDir, { recursive: true });
    await rename(join(layout.attachmentsDir, "old.json"), join(layout.legacyAttachmentsDir, "old.json"));
    await writeFile(join(layout.attachmentsDir, ".c9.json.0a1b2c3d4e5f.tmp"), "");
    await mkdir(join(layout.cacheDir, "results"), { recursive: true });
    await writeFile(join(layout.cacheDir, "results", "cluster-c9-eth0.0123456789ab.tmp"), "");
    const leftover = spawn("sleep", ["1000"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", [PLUGIN_OWNER_ENV]: join(dir, "state") },
      stdio: "ignore",
      detached: true,
    });
    leftover.unref();

    const d = await start({ enabled: false });

    await waitFor(() => isGone(leftover.pid!));
    expect(d.logs.some((l) => l.msg === "killed processes a previous netattachd started that were still running")).toBe(
      true,
    );
    expect(await readdir(layout.attachmentsDir)).toEqual(["old.json"]);
    expect(existsSync(layout.legacyAttachmentsDir)).toBe(false);
    expect(await readdir(join(layout.cacheDir, "results"))).toEqual(["cluster-old-eth0"]);
    expect(await listed(d)).toEqual(["old"]);
    await d.client.api.detachNetworks({ containerId: "old" });
    expect(await listed(d)).toEqual([]);
    expect(await dels("old")).toBe(1);
  });
});
