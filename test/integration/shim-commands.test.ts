// The BUILT netattach-cni, run as containerd runs it (exact env, config on stdin, any cwd)
// against the real daemon shell with a scripted service: every CNI command, every result
// version, stdout holding only the result.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import type { Readable, Writable } from "node:stream";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { convertResult } from "../../server/src/cni/index.js";
import { DEFAULT_SOCKET_PATH } from "../../server/src/wire/index.js";
import {
  createStandInDaemon,
  defaultScript,
  PRIMARY_RESULT_110,
  type StandInDaemon,
} from "../helpers/containerd/stand-in-daemon.js";
import { buildShim, containerdEnv, runShimBinary, shimConf } from "../helpers/containerd/shim-binary.js";

let shim: string;
let daemon: StandInDaemon;
let scratch: string;

beforeAll(async () => {
  shim = await buildShim();
  daemon = await createStandInDaemon();
  await daemon.start();
  scratch = await mkdtemp(join(tmpdir(), "na-shim-cmd-"));
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  daemon.script = defaultScript();
  daemon.calls.length = 0;
});

const run = (command: string, conf: Record<string, unknown>, env: Record<string, string> = {}) =>
  runShimBinary(shim, { ...containerdEnv(command), ...env }, JSON.stringify(conf));

/** A named pipe at `path` (made once). */
function fifo(path: string): string {
  if (!existsSync(path)) execFileSync("mkfifo", [path]);
  return path;
}

describe("VERSION", () => {
  it("is answered locally, with no daemon, no config keys and an empty environment", async () => {
    const r = await runShimBinary(shim, { CNI_COMMAND: "VERSION" }, '{"cniVersion":"0.4.0"}');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      cniVersion: "0.4.0",
      supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"],
    });
    expect(r.stderr).toBe("");
  });

  it("answers in the newest version when asked in one it does not speak", async () => {
    const r = await runShimBinary(shim, { CNI_COMMAND: "VERSION" }, '{"cniVersion":"0.2.0"}');
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.1.0" });
  });
});

describe("ADD", () => {
  it.each(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])(
    "prints only the primary result, in the configured cniVersion %s",
    async (v) => {
      const r = await run("ADD", shimConf(daemon.socketPath, { cniVersion: v }));
      expect(r.exitCode).toBe(0);
      const result = JSON.parse(r.stdout) as {
        cniVersion: string;
        ips: { address: string; version?: string; interface?: number }[];
        interfaces: { name: string }[];
      };
      expect(result.cniVersion).toBe(v);
      expect(result.ips[0]).toMatchObject({ address: "10.88.0.5/16", interface: 2 });
      expect(result.interfaces.map((i) => i.name)).toEqual(["cni0", "veth1234", "eth0"]);
      // 0.3.x/0.4.0 results carry the IP version; 1.x dropped it.
      expect(result.ips[0]?.version).toBe(v.startsWith("0.") ? "4" : undefined);
      expect(r.stdout.trim().split("\n")).toHaveLength(1);
      const attach = daemon.calls.find((c) => c.op === "attach");
      expect(attach?.op === "attach" && attach.req.cniVersion).toBe(v);
    },
  );

  it("sends the sandbox, pod and primary interface from the environment", async () => {
    const env = containerdEnv("ADD", {
      containerId: "abc123",
      netns: "/var/run/netns/cni-aaaa",
      ifName: "eth7",
      args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=u-1;FOO=a:b",
    });
    const r = await runShimBinary(shim, env, JSON.stringify(shimConf(daemon.socketPath)));
    expect(r.exitCode).toBe(0);
    const attach = daemon.calls.find((c) => c.op === "attach");
    if (attach?.op !== "attach") throw new Error("no attach call");
    expect(attach.req).toMatchObject({
      containerId: "abc123",
      netns: "/var/run/netns/cni-aaaa",
      primaryIfName: "eth7",
      pod: { namespace: "team-a", name: "web-0", uid: "u-1" },
    });
    expect(attach.req.cniArgs).toEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_INFRA_CONTAINER_ID", "abc123"],
      ["FOO", "a:b"],
    ]);
    // No runtimeConfig at all: the daemon must ask its pod source for annotations.
    expect(attach.req.annotations).toBeUndefined();
  });

  it("refuses a CNI_ARGS value with '=' as code 4 naming the pair, without calling the daemon", async () => {
    const env = containerdEnv("ADD", { args: "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p;FOO=a=b" });
    const r = await runShimBinary(shim, env, JSON.stringify(shimConf(daemon.socketPath)));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      cniVersion: "1.0.0",
      code: 4,
      msg: `CNI_ARGS: invalid CNI_ARGS pair "FOO=a=b": the value contains '=', which plugins refuse ("ARGS: invalid pair")`,
    });
    expect(daemon.calls).toEqual([]);
  });

  it("makes exactly one call to a ready daemon: AttachNetworks, no GetStatus probe first", async () => {
    const r = await run("ADD", shimConf(daemon.socketPath));
    expect(r.exitCode).toBe(0);
    expect(daemon.calls.map((c) => c.op)).toEqual(["attach"]);
  });

  it("carries a request and a result of hundreds of kB", async () => {
    const big = "x".repeat(300_000);
    const search = Array.from({ length: 4_000 }, (_, i) => `svc-${i}.team-a.svc.cluster.local`);
    daemon.script.attach = async (req) => ({
      interfaces: [],
      networkStatus: [],
      primaryResult: convertResult(
        { ...PRIMARY_RESULT_110, dns: { nameservers: ["10.96.0.10"], search } },
        req.cniVersion ?? "1.1.0",
      ),
    });
    const r = await run(
      "ADD",
      shimConf(daemon.socketPath, { runtimeConfig: { "io.kubernetes.cri.pod-annotations": { big } } }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100_000);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0", dns: { search } });
    const attach = daemon.calls.find((c) => c.op === "attach");
    expect(attach?.op === "attach" && attach.req.annotations?.big === big).toBe(true);
  });

  it("refuses a daemon result in another version than the caller configured", async () => {
    daemon.script.attach = async () => ({ ...(await defaultScript().attach({ cniVersion: "1.1.0" } as never)) });
    const r = await run("ADD", shimConf(daemon.socketPath, { cniVersion: "0.4.0" }));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      cniVersion: "0.4.0",
      code: 999,
      msg: expect.stringContaining("version 1.1.0, not the configured 0.4.0"),
    });
  });
});

describe("DEL, CHECK, GC, STATUS", () => {
  it("DEL prints nothing and exits 0, also with the empty CNI_NETNS containerd sends once the netns is gone", async () => {
    const r = await run("DEL", shimConf(daemon.socketPath), { CNI_NETNS: "" });
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    const del = daemon.calls.find((c) => c.op === "detach");
    expect(del?.op === "detach" && del.req).toMatchObject({
      containerId: containerdEnv("DEL").CNI_CONTAINERID,
      pod: { name: "web" },
    });
  });

  it.each([
    ["a runtimeConfig that is not an object", { runtimeConfig: "string" }, ["runtimeConfig"]],
    [
      "a bad logLevel and cniVersion (the conflist edited since the ADD)",
      { logLevel: "verbose", cniVersion: "0.2.0" },
      ["logLevel", "cniVersion"],
    ],
  ])(
    "DEL with %s drops it with a warn line and detaches: a refused DEL would be retried forever",
    async (_, extra, keys) => {
      const r = await run("DEL", { ...shimConf(daemon.socketPath), ...extra });
      expect(r).toMatchObject({ exitCode: 0, stdout: "" });
      const warned = r.stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { level: string; msg: string; key: string });
      expect(warned.map((w) => [w.level, w.msg, w.key])).toEqual(
        keys.map((k) => ["warn", "DEL ignores a conf key it cannot read", k]),
      );
      const del = daemon.calls.find((c) => c.op === "detach");
      expect(del?.op === "detach" && del.req.containerId).toBe(containerdEnv("DEL").CNI_CONTAINERID);
      expect(del?.op === "detach" && del.req.runtimeConfig).toBeUndefined();
    },
  );

  it("DEL leaves out a runtimeConfig over 32 KiB (the daemon would refuse the whole request) with a warn line", async () => {
    const runtimeConfig = { "io.kubernetes.cri.pod-annotations": { big: "x".repeat(5_000_000) } };
    const r = await run("DEL", shimConf(daemon.socketPath, { runtimeConfig }));
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    expect(JSON.parse(r.stderr.trim())).toMatchObject({
      level: "warn",
      msg: "DEL leaves out a runtimeConfig too large to send",
      limit: 32_768,
    });
    const del = daemon.calls.find((c) => c.op === "detach");
    expect(del?.op === "detach" && del.req).toMatchObject({ containerId: containerdEnv("DEL").CNI_CONTAINERID });
    expect(del?.op === "detach" && del.req.runtimeConfig).toBeUndefined();
  });

  it("stdin over 8 MiB is not read: ADD is code 7 naming the limit; DEL goes on from the environment", async () => {
    const huge = JSON.stringify(shimConf(daemon.socketPath, { pad: "x".repeat(9 * 1024 * 1024) }));
    const add = await runShimBinary(shim, containerdEnv("ADD"), huge);
    expect(add.exitCode).toBe(1);
    expect(JSON.parse(add.stdout)).toEqual({
      cniVersion: "1.1.0",
      code: 7,
      msg: "network configuration on stdin is over 8388608 bytes",
      details:
        "netattach-cni reads at most 8388608 bytes (netattachd takes requests up to limits.maxMessageBytes, 4194304 by default)",
    });
    expect(daemon.calls).toEqual([]);

    // The conf is not read, so neither is its socketPath: DEL calls the default socket.
    const del = await runShimBinary(shim, containerdEnv("DEL"), huge);
    expect(JSON.parse(del.stderr.trim().split("\n")[0] ?? "")).toMatchObject({
      level: "warn",
      msg: "DEL ignores a conf key it cannot read",
      key: "stdin",
      problem: "over 8388608 bytes, not read",
    });
    if (del.exitCode !== 0)
      expect(JSON.parse(del.stdout)).toMatchObject({ msg: expect.stringContaining(DEFAULT_SOCKET_PATH) });
  });

  it("CHECK (0.4.0+) forwards the container id, netns and interface it names, and prints nothing", async () => {
    const env = containerdEnv("CHECK", { netns: "/var/run/netns/other", ifName: "bogus" });
    const r = await runShimBinary(shim, env, JSON.stringify(shimConf(daemon.socketPath, { cniVersion: "0.4.0" })));
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    expect(daemon.calls).toContainEqual({
      op: "check",
      req: { containerId: env.CNI_CONTAINERID, netns: "/var/run/netns/other", primaryIfName: "bogus" },
    });
  });

  it("CHECK takes the prevResult of the ADD, in the conf's version", async () => {
    const r = await run("CHECK", shimConf(daemon.socketPath, { cniVersion: "1.1.0", prevResult: PRIMARY_RESULT_110 }));
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    expect(daemon.calls.map((c) => c.op)).toEqual(["check"]);
  });

  it.each([
    ["not an object", "garbage", 6, 'invalid CNI result: expected a JSON object, got "garbage"'],
    ["not a 1.1.0 result", { cniVersion: "1.1.0", interfaces: [{ mac: "x" }] }, 6, "interfaces[0].name"],
    ["a result of another version", { cniVersion: "0.4.0" }, 1, 'its cniVersion is "0.4.0", the conf\'s is "1.1.0"'],
  ])(
    "CHECK with a prevResult %s is refused naming prevResult, before calling the daemon",
    async (_, prevResult, code, what) => {
      const r = await run("CHECK", shimConf(daemon.socketPath, { cniVersion: "1.1.0", prevResult }));
      expect(r.exitCode).toBe(1);
      const out = JSON.parse(r.stdout) as { code: number; msg: string; details: string };
      expect(out).toMatchObject({ cniVersion: "1.1.0", code, msg: "prevResult is not a CNI 1.1.0 result" });
      expect(out.details).toContain(what);
      expect(daemon.calls).toEqual([]);
    },
  );

  it("GC (1.1.0) forwards the valid attachments as container ids", async () => {
    const conf = shimConf(daemon.socketPath, {
      cniVersion: "1.1.0",
      "cni.dev/valid-attachments": [
        { containerID: "a", ifname: "eth0" },
        { containerID: "b", ifname: "eth0" },
        { containerID: "a", ifname: "net1" },
      ],
    });
    const r = await runShimBinary(shim, { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" }, JSON.stringify(conf));
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    expect(daemon.calls).toContainEqual({ op: "gc", req: { validContainerIds: ["a", "b"] } });
  });

  it("GC with a valid attachment that has no ifname is refused naming the entry, and the daemon is not called", async () => {
    const conf = shimConf(daemon.socketPath, {
      cniVersion: "1.1.0",
      "cni.dev/valid-attachments": [{ containerID: "a", ifname: "eth0" }, { containerID: "b" }],
    });
    const r = await runShimBinary(shim, { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" }, JSON.stringify(conf));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      code: 7,
      msg: 'invalid "cni.dev/valid-attachments": every entry needs a containerID and an ifname (at [1].ifname)',
    });
    expect(daemon.calls).toEqual([]);
  });

  it("STATUS (1.1.0) exits 0 silently when the daemon and the cluster network are ready", async () => {
    const r = await runShimBinary(
      shim,
      { CNI_COMMAND: "STATUS", CNI_PATH: "/opt/cni/bin" },
      JSON.stringify(shimConf(daemon.socketPath, { cniVersion: "1.1.0" })),
    );
    expect(r).toMatchObject({ exitCode: 0, stdout: "" });
  });

  it.each([
    ["CHECK", "0.3.1"],
    ["GC", "1.0.0"],
    ["STATUS", "1.0.0"],
  ])("%s with a %s config is code 1, as libcni's skel does", async (command, version) => {
    const r = await run(command, shimConf(daemon.socketPath, { cniVersion: version }));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: version, code: 1 });
    expect(daemon.calls.filter((c) => c.op !== "status")).toEqual([]);
  });
});

describe("how it runs", () => {
  it("logs to the configured file, never to stdout", async () => {
    const logFile = join(scratch, "shim.log");
    const r = await run("ADD", shimConf(daemon.socketPath, { logFile, logLevel: "debug" }));
    expect(r.exitCode).toBe(0);
    JSON.parse(r.stdout);
    expect(r.stderr).toBe("");
    const lines = (await readFile(logFile, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; command: string });
    expect(lines.map((l) => l.msg)).toContain("attached");
    expect(lines.every((l) => l.command === "ADD")).toBe(true);
  });

  it.each([
    ["whose directory is missing", () => join(scratch, "absent", "shim.log"), "ENOENT"],
    ["that is a directory", () => scratch, "EISDIR"],
    ["that is a FIFO nobody reads (an open would block forever)", () => fifo(join(scratch, "shim.fifo")), "ENXIO"],
  ])(
    "with a logFile %s, says so once on stderr (path, errno) and logs there; result and exit code unchanged",
    async (_, logFile, errno) => {
      const ok = await run("ADD", shimConf(daemon.socketPath, { logFile: logFile(), logLevel: "debug" }));
      expect(ok.exitCode).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ cniVersion: "1.0.0" });
      const lines = ok.stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { msg: string; logFile?: string; errno?: string });
      expect(lines[0]).toMatchObject({
        level: "warn",
        msg: "cannot write the logFile, logging to stderr instead",
        logFile: logFile(),
        errno,
      });
      expect(lines.filter((l) => l.errno !== undefined)).toHaveLength(1);
      expect(lines.map((l) => l.msg)).toContain("attached");

      const failed = await run(
        "ADD",
        shimConf(join(scratch, "absent.sock"), { logFile: logFile(), readinessTimeoutMs: 0 }),
      );
      expect(failed.exitCode).toBe(1);
      expect(JSON.parse(failed.stdout)).toMatchObject({ code: 11 });
      expect(
        failed.stderr
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { level: string }).level),
      ).toEqual(["warn", "error"]);
    },
  );

  it("never follows a logFile that is a symlink: its target is untouched, stderr says why, the ADD succeeds", async () => {
    const target = join(scratch, "precious");
    const link = join(scratch, "link.log");
    await writeFile(target, "precious\n");
    await symlink(target, link);
    const r = await run("ADD", shimConf(daemon.socketPath, { logFile: link, logLevel: "debug" }));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0" });
    expect(await readFile(target, "utf8")).toBe("precious\n");
    expect(JSON.parse(r.stderr.trim().split("\n")[0] ?? "")).toMatchObject({
      level: "warn",
      msg: "cannot write the logFile, logging to stderr instead",
      logFile: link,
      errno: "ELOOP",
      reason: "the logFile is a symbolic link, which the shim does not follow",
    });
  });

  it.each(["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])(
    "refuses logFile %s as code 7 naming logFile (a DEL drops it): stdout holds only the CNI result or error",
    async (logFile) => {
      const r = await run("ADD", shimConf(daemon.socketPath, { logFile }));
      expect(r.exitCode).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({
        cniVersion: "1.0.0",
        code: 7,
        msg: 'invalid "logFile": must not be stdout, which carries only the CNI result or error',
        details: JSON.stringify(logFile),
      });
      expect(daemon.calls).toEqual([]);

      const del = await run("DEL", shimConf(daemon.socketPath, { logFile }));
      expect(del).toMatchObject({ exitCode: 0, stdout: "" });
      expect(JSON.parse(del.stderr.trim())).toMatchObject({
        level: "warn",
        msg: "DEL ignores a conf key it cannot read",
        key: "logFile",
      });
    },
  );

  it("logs to stderr when the logFile turns out to be the file stdout is: stdout holds only the error object", async () => {
    const out = join(scratch, "stdout.json");
    const fd = openSync(out, "w");
    const r = await new Promise<{ exitCode: number | null; stderr: string }>((resolve, reject) => {
      const conf = shimConf(join(scratch, "absent.sock"), { logFile: out, readinessTimeoutMs: 0 });
      const child = spawn(shim, [], { env: containerdEnv("ADD"), stdio: ["pipe", fd, "pipe"] });
      const stdin = child.stdio[0] as Writable;
      const stderrPipe = child.stdio[2] as Readable;
      let stderr = "";
      stderrPipe.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (exitCode) => resolve({ exitCode, stderr }));
      stdin.end(JSON.stringify(conf));
    }).finally(() => closeSync(fd));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(await readFile(out, "utf8"))).toMatchObject({ code: 11 });
    const lines = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; msg: string; error?: string });
    expect(lines[0]).toMatchObject({
      level: "warn",
      msg: "cannot write the logFile, logging to stderr instead",
      error: `${out} is the shim's stdout, which carries only the CNI result`,
    });
    expect(lines.map((l) => l.level)).toEqual(["warn", "error"]);
  });

  it("logs to stderr when no file is configured, and stdout still holds only the error object", async () => {
    const r = await run("ADD", shimConf(join(scratch, "absent.sock"), { readinessTimeoutMs: 0 }));
    expect(r.exitCode).toBe(1);
    expect(Object.keys(JSON.parse(r.stdout) as object).sort()).toEqual(["cniVersion", "code", "details", "msg"]);
    expect(JSON.parse(r.stderr.trim().split("\n")[0] ?? "")).toMatchObject({ level: "error", name: "netattach-cni" });
  });

  it("exits 1 with a stderr line when the result cannot be written (the reader of stdout is gone)", async () => {
    const r = await new Promise<{ exitCode: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(shim, [], { env: containerdEnv("ADD"), stdio: ["pipe", "pipe", "pipe"] });
      child.stdout.destroy(); // EPIPE on the shim's write
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (exitCode) => resolve({ exitCode, stderr }));
      child.stdin.end(JSON.stringify(shimConf(daemon.socketPath)));
    });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ level: "error", msg: "cannot write the result to stdout" });
    expect(daemon.calls.map((c) => c.op)).toEqual(["attach"]);
  });

  it("works from any cwd with only the variables containerd sets", async () => {
    const env = containerdEnv("ADD");
    const r = await runShimBinary(
      shim,
      {
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: env.CNI_CONTAINERID ?? "",
        CNI_NETNS: env.CNI_NETNS ?? "",
        CNI_IFNAME: "eth0",
      },
      JSON.stringify(shimConf(daemon.socketPath)),
      scratch,
    );
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0" });
  });
});
