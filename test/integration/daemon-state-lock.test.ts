// One daemon per stateDir: a second one is refused before its start-up cleanup can kill the first
// one's plugins (they carry the stateDir as owner mark) or serve its records; the lock goes with
// the holder, also when it is SIGKILLed.
import { spawn, type ChildProcess } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PLUGIN_OWNER_ENV } from "../../server/src/cni/index.js";
import { StartupError } from "../../server/src/errors/startup-error.js";
import { pathExists, spawnDaemonProcess, startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { isGone } from "../fixtures/plugins/plugin-bin.js";

let dir: string;
const daemons: TestDaemon[] = [];
const children: ChildProcess[] = [];

// No networks: a daemon that is not ready still takes the lock and serves ListAttachments.
beforeEach(async () => {
  dir = await tempDir("na-lock-");
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const d of daemons.splice(0)) await d.stop();
  await rm(dir, { recursive: true, force: true });
});

const stateDir = () => join(dir, "state");

async function start(socket = "netattach.sock"): Promise<TestDaemon> {
  const d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      socketPath: join(dir, "run", socket),
      reconcile: { enabled: false, intervalMs: 60_000, gracePeriodMs: 0, gcTimeoutMs: 10_000, runtimeSocket: "" },
    },
    { dir },
  );
  daemons.push(d);
  return d;
}

/** Stands for a plugin the running daemon started: it carries the daemon's owner mark. */
function runningPlugin(): ChildProcess {
  const p = spawn("sleep", ["1000"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", [PLUGIN_OWNER_ENV]: stateDir() },
    stdio: "ignore",
  });
  children.push(p);
  return p;
}

describe("one daemon per stateDir", () => {
  it("refuses a second daemon on the same config, naming the stateDir and the holder; the first one's plugins live on", async () => {
    const first = await start();
    const plugin = runningPlugin();
    await expect(start()).rejects.toEqual(
      new StartupError(
        "STATE_DIR_LOCKED",
        `stateDir ${stateDir()} is in use by another netattachd (pid ${process.pid}, serving on ${first.socketPath}); stop it, or give this one its own stateDir`,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(isGone(plugin.pid!)).toBe(false);
    expect((await first.client.api.listAttachments({})).attachments).toEqual([]);
  });

  it("refuses a second daemon on the same stateDir with another socket, and creates no socket", async () => {
    await start();
    const plugin = runningPlugin();
    await expect(start("other.sock")).rejects.toMatchObject({ name: "StartupError", code: "STATE_DIR_LOCKED" });
    expect(await pathExists(join(dir, "run", "other.sock"))).toBe(false);
    expect(isGone(plugin.pid!)).toBe(false);
  });

  it("lets the next daemon in once the first has stopped", async () => {
    const first = await start();
    await first.stop();
    const second = await start("other.sock");
    expect((await second.client.api.listAttachments({})).attachments).toEqual([]);
  });

  it("holds no lock after its holder was SIGKILLed", async () => {
    const killed = spawnDaemonProcess(
      [
        ...["--cluster-network", "cluster", "--cni-conf-dir", join(dir, "net.d"), "--state-dir", stateDir()],
        ...["--socket", join(dir, "run", "killed.sock"), "--metrics-listen", ""],
      ],
      { ...process.env, NODE_NAME: "" },
    );
    await killed.listening();
    killed.child.kill("SIGKILL");
    await killed.exited;
    const next = await start();
    expect((await next.client.api.listAttachments({})).attachments).toEqual([]);
  });

  it("refuses a stateDir that is a regular file, naming the key, and leaves it as it was", async () => {
    await writeFile(stateDir(), "not a dir");
    await expect(start()).rejects.toMatchObject({
      name: "StartupError",
      code: "STATE_DIR_INVALID",
      message: `stateDir ${stateDir()}: not a directory (or a parent of it is a file)`,
    });
    expect(await pathExists(join(dir, "run", "netattach.sock"))).toBe(false);
  });
});
