// A state disk that goes read-only (ext4 errors=remount-ro) must not wedge the node: DEL of a pod whose
// real plugins all release succeeds (the leftover bookkeeping is a warn line and goes once the disk is
// writable), and a start that finds a crash's temp files it cannot remove still listens and serves.
// Readiness names the read-only state dir (ADDs cannot save; a daemon never ready refuses them).
// The same daemon survives its state dir's contents being removed under it (finding 8).
// The state dir is a small tmpfs, remounted read-only; it is unmounted even when a test fails.
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { LogLine, TestDaemon } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createServiceWorld, podRequest, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";

describeRoot("state disk read-only e2e", () => {
  let w: ServiceWorld;
  let d: TestDaemon | undefined;
  let stateDir: string;
  let mounted = false;

  const remount = (mode: "ro" | "rw") => runCmd("mount", ["-o", `remount,${mode}`, stateDir]);
  const start = async () =>
    (d = await w.start({
      stateDir,
      reconcile: { enabled: false, intervalMs: 60_000, gracePeriodMs: 0, gcTimeoutMs: 10_000, runtimeSocket: "" },
    }));

  beforeAll(async () => {
    w = await createServiceWorld("ro");
    await writeStandardNads(w);
    stateDir = join(w.dir, "state-fs");
    await runCmd("mkdir", ["-p", stateDir]);
    await runCmd("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", stateDir]);
    mounted = true;
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
    if (mounted) await remount("rw");
  });
  afterAll(async () => {
    await d?.stop().catch(() => undefined);
    if (mounted) await runCmd("umount", ["-l", stateDir]).catch(() => undefined);
    await w?.cleanup();
  });

  const stateFiles = async (): Promise<string[]> =>
    (await readdir(stateDir, { recursive: true, withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.endsWith(".lock"))
      .map((f) => join(f.parentPath, f.name).slice(stateDir.length + 1))
      .sort();
  const warns = (logs: readonly LogLine[]) =>
    logs.filter((l) => l.level === 40).map((l) => ({ msg: l.msg, file: l.file, errno: l.errno }));
  /** The readiness reason of a state dir that cannot be written (health/state-dir-problem.ts). */
  const unwritable = () =>
    `state dir ${stateDir} cannot be written: EROFS (read-only file system) on ${stateDir}: ADDs cannot save their attachments (DELs are still served)`;
  async function released(): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
  }

  it("DEL of a pod with real plugins succeeds on a read-only state disk and releases everything; its leftovers go once it is writable", async () => {
    const daemon = await start();
    await daemon.client.api.attachNetworks(podRequest(w, "ro1", "macvlan-conf,ptp-conf"));
    expect((await w.podLinks()).sort()).toEqual(["eth0", "net1", "net2"]);
    const saved = await stateFiles();
    expect(saved).toContain("attachments/ro1.json");
    await remount("ro");
    await expect(daemon.client.api.getStatus({})).resolves.toMatchObject({ ready: false, reasons: [unwritable()] });

    const res = await daemon.client.api.detachNetworks({ containerId: "ro1", netnsPath: w.netns.path });

    expect(res.removed.map((r) => r.interface).sort()).toEqual(["eth0", "net1", "net2"]);
    await released();
    const w40 = warns(daemon.logs);
    for (const file of saved.filter((f) => f.startsWith("cache/")))
      expect(w40, file).toContainEqual({
        msg: `the plugins' DEL succeeded but the result cache entry could not be removed (EROFS (read-only file system) on ${join(stateDir, file)}); left for CNI GC`,
        file: join(stateDir, file),
        errno: "EROFS",
      });
    const record = join(stateDir, "attachments", "ro1.json");
    expect(w40).toContainEqual({
      msg: `every delegate is released, but the saved attachment stays (phase attached): cannot remove ${record}: EROFS (read-only file system) on ${record}; a later DEL, the reconciler or the next start removes it`,
      file: record,
      errno: "EROFS",
    });
    expect(w40.filter((l) => /failed on DEL|orphaned/.test(l.msg ?? ""))).toEqual([]);
    // The kubelet's retry: the plugins' DELs again (idempotent), success again.
    await expect(daemon.client.api.detachNetworks({ containerId: "ro1" })).resolves.toBeDefined();

    await remount("rw");
    await expect(daemon.client.api.getStatus({})).resolves.toMatchObject({ ready: true, reasons: [] });
    await daemon.client.api.detachNetworks({ containerId: "ro1" });
    expect(await stateFiles()).toEqual([]);
    await released();
  });

  it("a start on a read-only state disk with a crash's temp files left listens, warns naming each, and serves DEL", async () => {
    let daemon = await start();
    await daemon.client.api.attachNetworks(podRequest(w, "ro2", "ptp-conf"));
    await daemon.stop();
    const temps = [
      join(stateDir, "attachments", ".ro3.json.0123456789ab.tmp"),
      join(stateDir, "cache", "results", ".ptp-conf-ro3-net1.0123456789ab.tmp"),
    ];
    // A pre-0.2 store path too: its record cannot move and its temp file cannot go.
    const legacy = join(stateDir, "attachments", "attachments");
    await runCmd("mkdir", ["-p", legacy]);
    temps.push(join(legacy, ".old1.json.0123456789ab.tmp"));
    await writeFile(join(legacy, "old1.json"), "{}");
    for (const t of temps) await writeFile(t, "");
    await remount("ro");

    daemon = await start();

    const w40 = warns(daemon.logs);
    for (const t of temps)
      expect(w40).toContainEqual({
        msg: `could not clean up ${t}, left by a previous netattachd: EROFS (read-only file system) on ${t}; left in place; the state dir is read-only (a disk error remount?): DELs are served, ADDs fail until it is writable again`,
        file: t,
        errno: "EROFS",
      });
    expect(w40.map((l) => l.msg)).toContain(
      `saved attachment not moved from the old state path: EROFS (read-only file system) on ${join(legacy, "old1.json")}`,
    );
    const res = await daemon.client.api.detachNetworks({ containerId: "ro2", netnsPath: w.netns.path });
    expect(res.removed.map((r) => r.interface).sort()).toEqual(["eth0", "net1"]);
    await released();
    // Never ready on this disk: an ADD is refused before anything runs, naming the state dir.
    const refused = await daemon.client.api.attachNetworks(podRequest(w, "ro5", "ptp-conf")).then(
      () => expect.fail("the ADD was admitted"),
      (e: unknown) => e as RichClientError,
    );
    expect(refused).toBeInstanceOf(RichClientError);
    expect(refused.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type)?.reason).toBe("NOT_READY");
    expect(refused.details).toBe(`netattachd is not ready: ${unwritable()}`);
    await released();
  });

  it("after the state dir's contents are removed while netattachd runs, an ADD makes them again and its DEL releases it", async () => {
    const daemon = await start();
    await runCmd("bash", ["-c", `rm -rf ${stateDir}/*`]); // an operator "resetting" the node

    await daemon.client.api.attachNetworks(podRequest(w, "ro4", "ptp-conf"));

    expect(await stateFiles()).toContain("attachments/ro4.json");
    expect((await w.podLinks()).sort()).toEqual(["eth0", "net1"]);
    await daemon.client.api.detachNetworks({ containerId: "ro4", netnsPath: w.netns.path });
    await released();
    expect(await stateFiles()).toEqual([]);
  });
});
