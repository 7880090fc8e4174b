// Plugins die with the daemon: through setpriv's parent-death signal, or netattach-spawner's (the
// spawner dies with the daemon, the plugin with the spawner), the plugin is killed by the kernel
// when the process that started it is SIGKILLed, and what it started in turn (its own
// children: an IPAM plugin, iptables) is found by its owner mark and killed at the next start.
import { spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildCniEnv,
  createSpawnExec,
  findSetpriv,
  killLeftoverPlugins,
  PLUGIN_OWNER_ENV,
  type ExecRequest,
} from "../../server/src/cni/index.js";
import { createPluginBin, isGone, PLUGIN_PATH, waitFor, type PluginBin } from "../fixtures/plugins/plugin-bin.js";
import { spawnerPath } from "../helpers/spawner.js";

const SETPRIV = "/usr/bin/setpriv";
const INDEX = resolve(import.meta.dirname, "../../server/src/cni/index.ts");

let bin: PluginBin;
let work: string;
const pids: number[] = [];
beforeEach(() => {
  bin = createPluginBin();
  work = mkdtempSync(join(tmpdir(), "cni-lifetime-"));
});
afterEach(() => {
  for (const p of pids.splice(0)) if (!isGone(p)) process.kill(p, "SIGKILL");
  bin.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function request(path: string, conf: object): ExecRequest {
  return {
    path,
    pluginType: "noop",
    command: "ADD",
    stdin: Buffer.from(JSON.stringify({ cniVersion: "1.0.0", name: "net", type: "noop", ...conf })),
    env: buildCniEnv({
      command: "ADD",
      containerId: "c1",
      netns: "/run/netns/c1",
      ifName: "eth0",
      binDirs: [bin.dir],
      path: PLUGIN_PATH,
    }),
    timeoutMs: 10_000,
  };
}

describe("plugins started through setpriv", () => {
  it("get the env and stdin given plus the owner mark, and their output is returned", async () => {
    const debugFile = join(work, "log");
    const out = await createSpawnExec({ setprivPath: SETPRIV, owner: work }).exec(
      request(bin.noop("noop"), { debugFile }),
    );
    expect(JSON.parse(out.toString())).toMatchObject({ cniVersion: "1.0.0" });
    expect(bin.log(debugFile)[0]!.env).toEqual({
      ...request("", {}).env,
      [PLUGIN_OWNER_ENV]: work,
      NETATTACH_PLUGIN_RUN: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  /** A stand-in daemon: starts the sleep plugin through the exec seam and waits for it. */
  async function startStandInDaemon(launcher: object): Promise<{ daemon: number; pid: number; childPid: number }> {
    const pidFile = join(work, "pids");
    const { stdin, ...req } = request(bin.sleep("hang"), { pidFile });
    const script = `
      import { createSpawnExec } from ${JSON.stringify(INDEX)};
      const exec = createSpawnExec({ ...${JSON.stringify(launcher)}, owner: ${JSON.stringify(work)} });
      await exec.exec({ ...${JSON.stringify(req)}, stdin: Buffer.from(${JSON.stringify(stdin.toString())}) });
    `;
    const daemon = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: "ignore",
    });
    pids.push(daemon.pid!);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "", 20_000);
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    pids.push(pid, childPid);
    return { daemon: daemon.pid!, pid, childPid };
  }

  /** The one child of `parent` (the stand-in daemon's netattach-spawner). */
  function onlyChildOf(parent: number): number {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8").trim().split(/\s+/);
    expect(children).toHaveLength(1);
    return Number(children[0]);
  }

  it.each([
    ["setpriv", { setprivPath: SETPRIV }],
    ["netattach-spawner", { spawnerPath: spawnerPath() }],
  ])(
    "die when the process that started them (%s) is SIGKILLed; what they started is killed by killLeftoverPlugins",
    async (how, launcher) => {
      const { daemon, pid, childPid } = await startStandInDaemon(launcher);
      // The process that started the plugin: setpriv execs into it, so the daemon; else the spawner.
      const starter = how === "setpriv" ? daemon : onlyChildOf(daemon);
      process.kill(starter, "SIGKILL");
      await waitFor(() => isGone(pid));
      // The plugin's own child has no parent-death signal: it outlives its starter until the next start.
      expect(isGone(childPid)).toBe(false);

      const killed = await killLeftoverPlugins(work);
      expect(killed.map((k) => k.pid)).toEqual([childPid]);
      expect(killed[0]!.command).toBe("sleep 1000");
      expect(isGone(childPid)).toBe(true);
      expect(await killLeftoverPlugins(work)).toEqual([]);
    },
  );

  it("a SIGKILLed daemon takes netattach-spawner and its plugins along; nothing is left after killLeftoverPlugins", async () => {
    const { daemon, pid, childPid } = await startStandInDaemon({ spawnerPath: spawnerPath() });
    const spawner = onlyChildOf(daemon);
    process.kill(daemon, "SIGKILL");
    await waitFor(() => isGone(spawner) && isGone(pid));
    // The plugin's child is killed by the spawner when it reads EOF from the dead daemon first, or
    // else left for killLeftoverPlugins (the kernel's parent-death signal won the race): the kernel
    // closes the daemon's files before it signals, so either can happen.
    const killed = await killLeftoverPlugins(work);
    expect([[], [childPid]]).toContainEqual(killed.map((k) => k.pid));
    expect(isGone(childPid)).toBe(true);
    expect(await killLeftoverPlugins(work)).toEqual([]);
  });

  it("never touches processes carrying another owner's mark", async () => {
    const pidFile = join(work, "pids");
    const ac = new AbortController();
    const running = createSpawnExec({ setprivPath: SETPRIV, owner: `${work}-other` })
      .exec({ ...request(bin.sleep("hang"), { pidFile }), signal: ac.signal, timeoutMs: 60_000 })
      .catch(() => undefined);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "");
    const { pid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number };
    expect(await killLeftoverPlugins(work)).toEqual([]);
    expect(isGone(pid)).toBe(false);
    ac.abort();
    await running;
  });

  it("fail like a direct spawn when the binary cannot be executed, and retry text file busy", async () => {
    const exec = createSpawnExec({ setprivPath: SETPRIV, textBusyBackoffMs: 1 });
    await expect(exec.exec(request(join(bin.dir, "absent"), {}))).rejects.toMatchObject({
      kind: "exec",
      code: 999,
      msg: expect.stringContaining(": ENOENT"),
    });
    const busy = bin.noopCopy("busy");
    const fd = openSync(busy, "r+");
    setTimeout(() => closeSync(fd), 30);
    const out = await createSpawnExec({ setprivPath: SETPRIV, textBusyBackoffMs: 20 }).exec(request(busy, {}));
    expect(JSON.parse(out.toString())).toHaveProperty("cniVersion", "1.0.0");
  });

  it("findSetpriv finds a setpriv that runs, and refuses one that cannot start (a missing library) or none", async () => {
    expect(await findSetpriv(["/nonexistent", "/usr/bin"])).toEqual({ ok: true, path: SETPRIV });
    const broken = join(work, "setpriv");
    writeFileSync(
      broken,
      "#!/bin/sh\necho 'setpriv: error while loading shared libraries: libcap-ng.so.0' >&2\nexit 127\n",
    );
    chmodSync(broken, 0o755);
    expect(await findSetpriv([work])).toEqual({
      ok: false,
      why: `${broken} --version failed: setpriv: error while loading shared libraries: libcap-ng.so.0`,
    });
    expect(await findSetpriv(["/nonexistent"])).toEqual({
      ok: false,
      why: "setpriv (util-linux) not found in /nonexistent",
    });
  });
});
