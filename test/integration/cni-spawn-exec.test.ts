// The real exec seam against real processes: the test-double plugins in test/fixtures/plugins.
import { spawn as nodeSpawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildCniEnv, CniError, createSpawnExec, type ExecRequest } from "../../server/src/cni/index.js";
import { createPluginBin, isGone, PLUGIN_PATH, waitFor, type PluginBin } from "../fixtures/plugins/plugin-bin.js";

let bin: PluginBin;
let work: string;
beforeEach(() => {
  bin = createPluginBin();
  work = mkdtempSync(join(tmpdir(), "cni-exec-"));
});
afterEach(() => {
  // A failed kill assertion must not leave sleepers behind.
  const pidFile = join(work, "pids");
  if (existsSync(pidFile)) {
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    for (const p of [pid, childPid]) if (!isGone(p)) process.kill(p, "SIGKILL");
  }
  bin.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function request(path: string, conf: object, extra: Partial<ExecRequest> = {}): ExecRequest {
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
      cniArgs: "IgnoreUnknown=1;A=b",
      binDirs: [bin.dir],
      path: PLUGIN_PATH,
    }),
    timeoutMs: 10_000,
    ...extra,
  };
}

const rejection = async (p: Promise<unknown>): Promise<CniError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  return err as CniError;
};

describe("createSpawnExec", () => {
  it("hands the plugin exactly the env and stdin given, and returns its stdout", async () => {
    const exec = createSpawnExec();
    const debugFile = join(work, "log");
    const out = await exec.exec(request(bin.noop("noop"), { debugFile, custom: { k: 1 } }));
    expect(JSON.parse(out.toString())).toMatchObject({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", sandbox: "/run/netns/c1" }],
    });
    const [entry] = bin.log(debugFile);
    expect(entry!.env).toEqual({
      PATH: PLUGIN_PATH,
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "c1",
      CNI_NETNS: "/run/netns/c1",
      CNI_IFNAME: "eth0",
      CNI_ARGS: "IgnoreUnknown=1;A=b",
      CNI_PATH: bin.dir,
    });
    expect(entry!.stdin).toEqual({ cniVersion: "1.0.0", name: "net", type: "noop", debugFile, custom: { k: 1 } });
  });

  it("returns the plugin's own error code, msg and details with its stderr", async () => {
    const exec = createSpawnExec();
    let seen = "";
    const conf = {
      noop: { ADD: { error: { code: 117, msg: "address in use", details: "10.1.2.3" }, stderr: "trying 10.1.2.3\n" } },
    };
    const err = await rejection(exec.exec(request(bin.noop("noop"), conf, { onStderr: (s) => (seen = s) })));
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 117,
      msg: "address in use",
      details: "10.1.2.3",
      plugin: "noop",
      command: "ADD",
      stderr: "trying 10.1.2.3\n",
    });
    expect(seen).toBe("trying 10.1.2.3\n");
  });

  it("builds the error from stderr when a plugin exits non-zero without output", async () => {
    const err = await rejection(
      createSpawnExec().exec(
        request(bin.noop("noop"), { noop: { ADD: { exitCode: 3, stdout: "", stderr: "fatal: no bridge\n" } } }),
      ),
    );
    expect(err).toMatchObject({ kind: "plugin-failed", code: 999, msg: 'netplugin failed: "fatal: no bridge"' });
  });

  it("reports stdout garbage on failure as bad-output", async () => {
    const err = await rejection(
      createSpawnExec().exec(request(bin.noop("noop"), { noop: { ADD: { exitCode: 1, stdout: "<html>" } } })),
    );
    expect(err).toMatchObject({ kind: "bad-output", code: 999 });
  });

  it("kills a hanging plugin and everything it started at the deadline", async () => {
    const pidFile = join(work, "pids");
    const err = await rejection(
      createSpawnExec().exec(request(bin.sleep("hang"), { pidFile }, { pluginType: "hang", timeoutMs: 1500 })),
    );
    expect(err).toMatchObject({ kind: "timeout", code: 11, plugin: "hang", command: "ADD" });
    expect(err.msg).toBe('plugin "hang" ADD did not finish within 1500 ms and was killed');
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    await waitFor(() => isGone(pid) && isGone(childPid));
  });

  it("kills the plugin's process group when the caller aborts", async () => {
    const pidFile = join(work, "pids");
    const ac = new AbortController();
    const running = createSpawnExec().exec(
      request(bin.sleep("hang"), { pidFile }, { pluginType: "hang", signal: ac.signal, timeoutMs: 60_000 }),
    );
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "");
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    expect(isGone(pid) || isGone(childPid)).toBe(false);
    ac.abort(new Error("client went away"));
    const err = await rejection(running);
    expect(err).toMatchObject({ kind: "aborted", code: 11, plugin: "hang" });
    expect((err.cause as Error).message).toBe("client went away");
    await waitFor(() => isGone(pid) && isGone(childPid));
  });

  it("does not start a plugin for an already aborted signal", async () => {
    const debugFile = join(work, "log");
    const err = await rejection(
      createSpawnExec().exec(request(bin.noop("noop"), { debugFile }, { signal: AbortSignal.abort() })),
    );
    expect(err.kind).toBe("aborted");
    expect(bin.log(debugFile)).toEqual([]);
  });

  it("fails and kills a plugin whose stdout exceeds the bound", async () => {
    const err = await rejection(
      createSpawnExec({ maxStdoutBytes: 1000 }).exec(
        request(bin.noop("noop"), { noop: { ADD: { stdoutBytes: 200_000 } } }),
      ),
    );
    expect(err).toMatchObject({ kind: "bad-output", code: 999 });
    expect(err.msg).toContain("more than 1000 bytes");
  });

  it("keeps only the tail of a huge stderr", async () => {
    const huge = "a".repeat(100_000) + "THE END";
    const err = await rejection(
      createSpawnExec({ maxStderrBytes: 1024 }).exec(
        request(bin.noop("noop"), { noop: { ADD: { exitCode: 1, stderr: huge } } }),
      ),
    );
    expect(err.stderr!.length).toBeLessThan(1100);
    expect(err.stderr!.endsWith("THE END")).toBe(true);
  });

  it("retries a binary that is open for writing (text file busy) until it is free", async () => {
    const path = bin.noopCopy("busy");
    const fd = openSync(path, "r+");
    let busy = 0;
    const spawn = ((...args: Parameters<typeof nodeSpawn>) => {
      try {
        return nodeSpawn(...args);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ETXTBSY" && busy++ === 0) closeSync(fd); // the writer finishes
        throw err;
      }
    }) as typeof nodeSpawn;
    const out = await createSpawnExec({ spawn, textBusyBackoffMs: 1 }).exec(request(path, {}));
    expect(busy).toBe(1);
    expect(JSON.parse(out.toString())).toHaveProperty("cniVersion", "1.0.0");
  });

  it("gives up on text file busy after 5 retries with a try-again-later error", async () => {
    const path = bin.noopCopy("busy");
    const fd = openSync(path, "r+");
    let attempts = 0;
    const spawn = ((...args: Parameters<typeof nodeSpawn>) => {
      attempts++;
      return nodeSpawn(...args);
    }) as typeof nodeSpawn;
    try {
      const err = await rejection(createSpawnExec({ spawn, textBusyBackoffMs: 1 }).exec(request(path, {})));
      expect(err).toMatchObject({ kind: "exec", code: 11 });
      expect((err.cause as NodeJS.ErrnoException).code).toBe("ETXTBSY");
      expect(attempts).toBe(6);
    } finally {
      closeSync(fd);
    }
  });

  it("reports a missing plugin with every directory searched", async () => {
    const err = await rejection(createSpawnExec().findInPath("nope", [bin.dir, "/nonexistent/cni"]));
    expect(err).toMatchObject({ kind: "plugin-not-found", code: 7, plugin: "nope" });
    expect(err.message).toContain(`[${bin.dir} /nonexistent/cni]`);
  });
});
