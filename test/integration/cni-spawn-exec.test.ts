// The real exec seam against real processes: the test-double plugins in test/fixtures/plugins,
// started by each launcher: netattach-spawner (what netattachd uses) and node:child_process (its
// fallback). Both must behave alike; what only the spawner has is at the end.
import { execFile, spawn as nodeSpawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildCniEnv,
  CniError,
  commandRunner,
  createSpawnExec as createExec,
  spawnerLinkLister,
  type ClosablePluginExec,
  type ExecRequest,
  type SpawnExecOptions,
} from "../../server/src/cni/index.js";
import { describeRoot } from "../helpers/root.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";
import { spawnerPath } from "../helpers/spawner.js";
import { createPluginBin, isGone, PLUGIN_PATH, waitFor, type PluginBin } from "../fixtures/plugins/plugin-bin.js";

const execFileAsync = promisify(execFile);
let bin: PluginBin;
let work: string;
beforeEach(() => {
  bin = createPluginBin();
  work = mkdtempSync(join(tmpdir(), "cni-exec-"));
});
const opened: ClosablePluginExec[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()));
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

/** A /bin/sh plugin in the bin dir running `body`. */
function shellPlugin(name: string, body: string): string {
  const path = join(bin.dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const rejection = async (p: Promise<unknown>): Promise<CniError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  return err as CniError;
};

const LAUNCHERS: ReadonlyArray<[string, SpawnExecOptions]> = [
  ["netattach-spawner", { spawnerPath: spawnerPath() }],
  ["node:child_process", {}],
];

describe.each(LAUNCHERS)("createSpawnExec through %s", (launcher, base) => {
  const createSpawnExec = (opts: SpawnExecOptions = {}): ClosablePluginExec => {
    const exec = createExec({ ...base, ...opts });
    opened.push(exec);
    return exec;
  };
  it("runs netattach's own commands (commandRunner) with their arguments, found on its search path; a failure carries the command and its stderr", async () => {
    const run = commandRunner(createSpawnExec(), `${bin.dir}:/usr/bin:/bin`);
    shellPlugin("argv-echo", 'printf "%s|" "$@"; printf "%s" "$PATH"');
    expect(await run("argv-echo", ["-j", "link", "show", "a b"], {})).toBe(`-j|link|show|a b|${bin.dir}:/usr/bin:/bin`);
    shellPlugin("argv-fail", 'echo "Cannot find device $2" >&2; exit 1');
    await expect(run("argv-fail", ["link", "net9"], {})).rejects.toThrow(
      "argv-fail link net9 failed: Cannot find device net9",
    );
    await expect(run("absent-command", [], {})).rejects.toThrow(
      /^absent-command failed: absent-command not found in any of \[.*\/usr\/bin \/bin\]$/,
    );
    // There but not runnable: the lookup's own words say why.
    writeFileSync(join(bin.dir, "not-runnable"), "#!/bin/sh\n", { mode: 0o644 });
    await expect(run("not-runnable", ["x"], {})).rejects.toThrow(
      `not-runnable x failed: not-runnable not found in any of [${bin.dir} /usr/bin /bin]: ${join(bin.dir, "not-runnable")}: not executable`,
    );
  });

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
      // Its own per-run mark: what a stopped run leaves behind is found by it.
      NETATTACH_PLUGIN_RUN: expect.stringMatching(/^[0-9a-f-]{36}$/),
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
    expect(err).toMatchObject({ kind: "bad-output", code: 6 });
  });

  it("kills a hanging plugin and everything it started at the deadline", async () => {
    const pidFile = join(work, "pids");
    const err = await rejection(
      // 3 s: the node plugin must have started and written its pids before the deadline, also under load.
      createSpawnExec().exec(request(bin.sleep("hang"), { pidFile }, { pluginType: "hang", timeoutMs: 3000 })),
    );
    expect(err).toMatchObject({ kind: "timeout", code: 11, plugin: "hang", command: "ADD" });
    expect(err.msg).toBe('plugin "hang" ADD did not finish within 3000 ms and was killed');
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    await waitFor(() => isGone(pid) && isGone(childPid));
  });

  it("stops a plugin that exited while its child holds stdout at the deadline, and kills the child", async () => {
    const pidFile = join(work, "child");
    const plugin = shellPlugin(
      "holder",
      `sh -c 'echo $$ > ${pidFile}; exec sleep 300' &\necho '{"cniVersion":"1.0.0"}'`,
    );
    const started = Date.now();
    const err = await rejection(createSpawnExec().exec(request(plugin, {}, { pluginType: "holder", timeoutMs: 1500 })));
    expect(err).toMatchObject({ kind: "timeout", code: 11, plugin: "holder", command: "ADD" });
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(() => isGone(Number(readFileSync(pidFile, "utf8"))));
  });

  it.each([
    ["the deadline", "timeout"],
    ["an abort", "aborted"],
  ])("at %s also kills what the plugin started in a session of its own", async (_when, kind) => {
    const pidFile = join(work, "detached");
    const plugin = shellPlugin(
      "detach",
      `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' </dev/null >/dev/null 2>&1 &\nexec sleep 300`,
    );
    const ac = new AbortController();
    const running = createSpawnExec().exec(
      request(plugin, {}, { pluginType: "detach", signal: ac.signal, timeoutMs: kind === "timeout" ? 1500 : 60_000 }),
    );
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "");
    const detached = Number(readFileSync(pidFile, "utf8"));
    if (kind === "aborted") ac.abort(new Error("client went away"));
    const err = await rejection(running);
    expect(err).toMatchObject({ kind, plugin: "detach" });
    // Gone when the call ends: the sweep waits for what it killed.
    expect(isGone(detached)).toBe(true);
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
    expect(err).toMatchObject({ kind: "bad-output", code: 6 });
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

  it("reports a missing plugin with every directory searched", async () => {
    const err = await rejection(createSpawnExec().findInPath("nope", [bin.dir, "/nonexistent/cni"]));
    expect(err).toMatchObject({ kind: "plugin-not-found", code: 7, plugin: "nope" });
    expect(err.message).toContain(`[${bin.dir} /nonexistent/cni]`);
  });
});

describe("createSpawnExec through node:child_process: text file busy", () => {
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
    const out = await createExec({ spawn, textBusyBackoffMs: 1 }).exec(request(path, {}));
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
      const err = await rejection(createExec({ spawn, textBusyBackoffMs: 1 }).exec(request(path, {})));
      expect(err).toMatchObject({ kind: "exec", code: 11 });
      expect((err.cause as NodeJS.ErrnoException).code).toBe("ETXTBSY");
      expect(attempts).toBe(6);
    } finally {
      closeSync(fd);
    }
  });
});

describe("netattach-spawner", () => {
  const spawnerExec = (opts: SpawnExecOptions = {}): ClosablePluginExec => {
    const exec = createExec({ spawnerPath: spawnerPath(), ...opts });
    opened.push(exec);
    return exec;
  };
  /** Field 4 of /proc/<pid>/stat: the parent's pid. */
  const parentOf = (pid: number): number =>
    Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
  const comm = (pid: number): string => readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  const startHang = async (exec: ClosablePluginExec) => {
    const pidFile = join(work, "pids");
    const running = exec.exec(request(bin.sleep("hang"), { pidFile }, { pluginType: "hang", timeoutMs: 60_000 })).then(
      () => new Error("resolved"),
      (e: unknown) => e,
    );
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "");
    const pids = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    return { running, ...pids };
  };

  it("starts the plugin itself (not by forking this process) and carries the owner mark", async () => {
    const { running, pid } = await startHang(spawnerExec({ owner: work }));
    const spawner = parentOf(pid);
    expect(spawner).not.toBe(process.pid);
    expect(comm(spawner)).toBe("netattach-spawn"); // comm holds 15 bytes
    expect(parentOf(spawner)).toBe(process.pid);
    expect(readFileSync(`/proc/${spawner}/environ`, "latin1").split("\0")).toContain(`NETATTACH_PLUGIN_OWNER=${work}`);
    expect(readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")).toContain(`NETATTACH_PLUGIN_OWNER=${work}`);
    await opened.at(-1)!.close();
    expect(await running).toBeInstanceOf(CniError);
  });

  it("a spawner killed mid-run fails the run naming it, takes its plugins along, and the next run starts a new one", async () => {
    const exec = spawnerExec();
    const { running, pid } = await startHang(exec);
    const spawner = parentOf(pid);
    process.kill(spawner, "SIGKILL");
    const err = (await running) as CniError;
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ kind: "exec", plugin: "hang", command: "ADD" });
    expect(err.msg).toContain(`netattach-spawner ${spawnerPath()} was killed by SIGKILL`);
    await waitFor(() => isGone(pid)); // its parent-death signal
    const out = await exec.exec(request(bin.noop("noop"), {}));
    expect(JSON.parse(out.toString())).toHaveProperty("cniVersion", "1.0.0");
  });

  it("close() kills the running plugins and their process groups, and ends the spawner", async () => {
    const exec = spawnerExec();
    const { running, pid, childPid } = await startHang(exec);
    const spawner = parentOf(pid);
    await exec.close();
    expect(isGone(spawner)).toBe(true);
    await waitFor(() => isGone(pid) && isGone(childPid));
    expect(((await running) as CniError).msg).toContain("netattach-spawner");
  });

  it("keeps 64 concurrent runs apart", async () => {
    const exec = spawnerExec();
    const noop = bin.noop("noop");
    const outs = await Promise.all(
      Array.from({ length: 64 }, (_, i) => exec.exec(request(noop, { noop: { ADD: { stdout: `run-${i}` } } }))),
    );
    expect(outs.map((o) => o.toString())).toEqual(Array.from({ length: 64 }, (_, i) => `run-${i}`));
  });

  it("passes a megabyte of stdin and of stdout whole", async () => {
    const debugFile = join(work, "log");
    const big = "y".repeat(1 << 20);
    const out = await spawnerExec().exec(
      request(bin.noop("noop"), { debugFile, big, noop: { ADD: { stdoutBytes: 1_000_000 } } }),
    );
    expect(out.length).toBe(1_000_000);
    expect(bin.log(debugFile)[0]!.stdin["big"]).toBe(big);
  });

  it("reports what could not be started with its errno, and gives up on text file busy after 5 retries", async () => {
    const exec = spawnerExec({ textBusyBackoffMs: 1 });
    const missing = await rejection(exec.exec(request(join(bin.dir, "absent"), {})));
    expect(missing).toMatchObject({
      kind: "exec",
      code: 999,
      msg: `failed to execute ${join(bin.dir, "absent")}: ENOENT`,
    });
    const path = bin.noopCopy("busy");
    const fd = openSync(path, "r+");
    try {
      const busy = await rejection(exec.exec(request(path, {})));
      expect(busy).toMatchObject({ kind: "exec", code: 11 });
      expect(busy.msg).toBe(`failed to execute ${path}: ETXTBSY (text file busy after 5 retries)`);
    } finally {
      closeSync(fd);
    }
    const out = await exec.exec(request(path, {}));
    expect(JSON.parse(out.toString())).toHaveProperty("cniVersion", "1.0.0");
  });

  it("refuses a NUL byte in the environment for that run only", async () => {
    const exec = spawnerExec();
    const req = request(bin.noop("noop"), {});
    const err = await rejection(exec.exec({ ...req, env: { ...req.env, CNI_ARGS: "A=b\0c" } }));
    expect(err).toMatchObject({ kind: "exec" });
    expect(err.msg).toContain("ERR_INVALID_ARG_VALUE");
    expect(JSON.parse((await exec.exec(req)).toString())).toHaveProperty("cniVersion", "1.0.0");
  });
});

describeRoot("netattach's own commands in a pod's netns (commandRunner's netns)", () => {
  const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
  let ns: ScratchNetns;
  beforeEach(async () => {
    ns = await createScratchNetns();
  });
  afterEach(async () => {
    await ns.close();
  });
  const linkNames = (json: string): string[] => (JSON.parse(json) as Array<{ ifname: string }>).map((l) => l.ifname);

  it("netattach-spawner enters the netns itself: no nsenter runs (one that fails is first on the path)", async () => {
    shellPlugin("nsenter", "echo 'nsenter must not run' >&2; exit 99");
    const exec = createExec({ spawnerPath: spawnerPath() });
    opened.push(exec);
    const run = commandRunner(exec, `${bin.dir}:${SYSTEM_PATH}`);
    expect(linkNames(await run("ip", ["-j", "link", "show"], { netns: ns.path }))).toEqual(["lo"]);
    // Only that child entered it: the next command without a netns sees the host's links.
    expect(linkNames(await run("ip", ["-j", "link", "show"], {}))).not.toEqual(["lo"]);
  });

  it("netattach-spawner names the netns it could not enter, and starts nothing", async () => {
    const exec = createExec({ spawnerPath: spawnerPath() });
    opened.push(exec);
    const marker = join(work, "ran");
    shellPlugin("touch-marker", `touch ${marker}`);
    const gone = join(work, "no-such-netns");
    await expect(commandRunner(exec, `${bin.dir}:${SYSTEM_PATH}`)("touch-marker", [], { netns: gone })).rejects.toThrow(
      `touch-marker in ${gone} failed: failed to enter network namespace ${gone} (for ${join(bin.dir, "touch-marker")}): ENOENT`,
    );
    // A path that is no netns: setns refuses it in the child, before the exec.
    const notNetns = join(work, "plain-file");
    writeFileSync(notNetns, "");
    await expect(
      commandRunner(exec, `${bin.dir}:${SYSTEM_PATH}`)("touch-marker", [], { netns: notNetns }),
    ).rejects.toThrow(`failed to enter network namespace ${notNetns} (for ${join(bin.dir, "touch-marker")}): EINVAL`);
    expect(existsSync(marker)).toBe(false);
  });

  it("netattach-spawner lists a netns's links itself (rtnetlink, no exec), as ip -j link show words their names, MACs and altnames", async () => {
    const inNs = (...args: string[]) => execFileAsync("nsenter", [`--net=${ns.path}`, "ip", ...args]);
    // A name the kernel takes that JSON must escape, MACs to compare, an altname.
    await inNs("link", "add", 'q"a\\b', "type", "veth", "peer", "name", "pe0");
    await inNs("link", "property", "add", "dev", "pe0", "altname", "pe0-alternative-name");
    await inNs("link", "set", "lo", "up");
    const exec = createExec({ spawnerPath: spawnerPath() });
    opened.push(exec);
    const lister = spawnerLinkLister(exec)!;
    type Link = { ifname: string; address?: string; altnames?: string[] };
    const pick = (links: Link[]) =>
      links
        .map((l) => ({ ifname: l.ifname, address: l.address, altnames: l.altnames ?? [] }))
        .sort((a, b) => a.ifname.localeCompare(b.ifname));
    const ipSays = pick(JSON.parse((await inNs("-j", "link", "show")).stdout) as Link[]);
    const listed = pick(JSON.parse(await lister(ns.path, {})) as Link[]);
    expect(listed).toEqual(ipSays);
    expect(listed.map((l) => l.ifname)).toEqual(["lo", "pe0", 'q"a\\b']);
    expect(listed.find((l) => l.ifname === "pe0")?.altnames).toEqual(["pe0-alternative-name"]);

    const gone = join(work, "no-such-netns");
    await expect(lister(gone, {})).rejects.toThrow(
      `listing the links of ${gone} failed: failed to enter network namespace ${gone} (for netattach-spawner): ENOENT`,
    );
    const aborted = new AbortController();
    aborted.abort();
    await expect(lister(ns.path, { signal: aborted.signal })).rejects.toThrow("was aborted by the caller");
    // The spawner still serves: the listing's child was its own run, reaped like a plugin.
    expect(JSON.parse(await lister(ns.path, {}))).toHaveLength(3);
  });

  it("without the spawner, nsenter enters it; the exec itself refuses a netns it cannot enter", async () => {
    const exec = createExec({});
    opened.push(exec);
    expect(exec.entersNetns).toBe(false);
    expect(spawnerLinkLister(exec)).toBeUndefined();
    const run = commandRunner(exec, SYSTEM_PATH);
    expect(linkNames(await run("ip", ["-j", "link", "show"], { netns: ns.path }))).toEqual(["lo"]);
    await expect(exec.exec({ ...request("/usr/sbin/ip", {}), netns: ns.path })).rejects.toThrow(
      "only netattach-spawner enters a netns",
    );
  });
});
