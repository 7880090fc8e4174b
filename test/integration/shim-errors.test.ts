// Failures of the BUILT shim as a runtime sees them: the error object on stdout with the
// exact CNI code (from the daemon's ErrorInfo, a plugin's own code included), exit 1, and
// the call policy: ADD retries while the daemon is down or answers NOT_READY, then gives
// up with 11; DEL with the daemon down is 11, never success; STATUS with it down is 50.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CniError } from "../../server/src/cni/index.js";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
import type { ErrorCode } from "../../server/src/errors/error-codes.js";
import { createStandInDaemon, defaultScript, type StandInDaemon } from "../helpers/containerd/stand-in-daemon.js";
import { buildShim, containerdEnv, runShimBinary, shimConf } from "../helpers/containerd/shim-binary.js";

let shim: string;
let daemon: StandInDaemon;
let scratch: string;

beforeAll(async () => {
  shim = await buildShim();
  daemon = await createStandInDaemon();
  scratch = await mkdtemp(join(tmpdir(), "na-shim-err-"));
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

interface ErrorObject {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

async function runFailing(
  command: string,
  conf: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<ErrorObject> {
  const r = await runShimBinary(shim, { ...containerdEnv(command), ...env }, JSON.stringify(conf));
  expect(r.exitCode).toBe(1);
  return JSON.parse(r.stdout) as ErrorObject;
}

describe("with the daemon up", () => {
  beforeAll(async () => {
    await daemon.start();
  });
  afterAll(async () => {
    await daemon.stop();
  });
  beforeEach(() => {
    daemon.script = defaultScript();
    daemon.calls.length = 0;
  });

  it("passes a delegate plugin's own CNI code through, with network and plugin in details", async () => {
    daemon.script.attach = async () => {
      const cause = new CniError({
        kind: "plugin-failed",
        code: 142,
        msg: "failed to create macvlan: device busy",
        plugin: "macvlan",
        network: "default/macvlan-conf",
        command: "ADD",
      });
      throw new DaemonError(
        "PLUGIN_FAILED",
        'network "default/macvlan-conf" plugin "macvlan": failed to create macvlan: device busy',
        { network: "default/macvlan-conf", plugin: "macvlan", phase: "add", cniCode: 142 },
        { cause },
      );
    };
    const err = await runFailing("ADD", shimConf(daemon.socketPath));
    expect(err).toMatchObject({
      cniVersion: "1.0.0",
      code: 142,
      msg: expect.stringContaining("failed to create macvlan: device busy"),
    });
    expect(err.details).toContain("reason=PLUGIN_FAILED");
    expect(err.details).toContain("network=default/macvlan-conf");
    expect(err.details).toContain("plugin=macvlan");
  });

  it.each([1e30, 2 ** 64, 2 ** 32, -1, 2.5])(
    "never prints a code a Go runtime cannot decode as a uint: %s from the daemon is 999",
    async (cniCode) => {
      daemon.script.attach = async () => {
        throw new DaemonError("PLUGIN_FAILED", "plugin broke", { plugin: "macvlan", phase: "add", cniCode });
      };
      const r = await runShimBinary(shim, containerdEnv("ADD"), JSON.stringify(shimConf(daemon.socketPath)));
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/"code":999[,}]/);
      expect(JSON.parse(r.stdout)).toMatchObject({ code: 999, msg: "plugin broke" });
    },
  );

  it.each<[ErrorCode, number]>([
    ["INVALID_ANNOTATION", 7],
    ["NETWORK_NOT_FOUND", 7],
    ["INCOMPATIBLE_CNI_VERSION", 1],
    ["PLUGIN_TIMEOUT", 11],
    ["KUBE_API_UNAVAILABLE", 11],
    ["STATE_IO", 5],
  ])("ADD failing with %s prints CNI code %i", async (reason, code) => {
    daemon.script.attach = async () => {
      throw new DaemonError(reason, `failure ${reason}`, { network: "default/x" });
    };
    const err = await runFailing("ADD", shimConf(daemon.socketPath, { cniVersion: "0.4.0" }));
    expect(err).toMatchObject({ cniVersion: "0.4.0", code, msg: `failure ${reason}` });
    expect(err.details).toContain(`reason=${reason}`);
  });

  it("an unexpected daemon error is 999 without leaking its message", async () => {
    daemon.script.attach = async () => {
      throw new Error("secret internal detail");
    };
    const err = await runFailing("ADD", shimConf(daemon.socketPath));
    expect(err.code).toBe(999);
    expect(JSON.stringify(err)).not.toContain("secret internal detail");
  });

  it("CHECK of an unknown container is code 3; a DEL left incomplete is 11", async () => {
    daemon.script.check = async () => {
      throw new DaemonError("ATTACHMENT_NOT_FOUND", "no attachment for container c1");
    };
    daemon.script.detach = async () => {
      throw new DaemonError("DETACH_INCOMPLETE", "1 delegate could not be deleted", {
        network: "default/macvlan-conf",
      });
    };
    expect((await runFailing("CHECK", shimConf(daemon.socketPath))).code).toBe(3);
    expect((await runFailing("DEL", shimConf(daemon.socketPath))).code).toBe(11);
  });

  it("an ADD request over the daemon's limits.maxMessageBytes is CNI 7 naming the key; nothing runs", async () => {
    const huge = "x".repeat(5 * 1024 * 1024);
    const err = await runFailing(
      "ADD",
      shimConf(daemon.socketPath, { runtimeConfig: { "io.kubernetes.cri.pod-annotations": { huge } } }),
    );
    expect(err).toMatchObject({ code: 7, msg: expect.stringContaining("over limits.maxMessageBytes (4194304)") });
    expect(err.details).toContain("reason=LIMIT_EXCEEDED");
    expect(daemon.calls).toEqual([]);
  });

  it("a message with non-ASCII text and '%' arrives intact", async () => {
    daemon.script.attach = async () => {
      throw new DaemonError("INVALID_ANNOTATION", "annotation ‘k8s.v1.cni.cncf.io/networks’ is 100% wrong: café");
    };
    expect(await runFailing("ADD", shimConf(daemon.socketPath))).toMatchObject({
      code: 7,
      msg: "annotation ‘k8s.v1.cni.cncf.io/networks’ is 100% wrong: café",
    });
  });

  it("DEL failing with NOT_READY prints CNI code 11 at once, with the daemon's message", async () => {
    daemon.script.detach = async () => {
      throw new DaemonError("NOT_READY", "netattachd is shutting down");
    };
    const err = await runFailing("DEL", shimConf(daemon.socketPath));
    expect(err).toMatchObject({ code: 11, msg: "netattachd is shutting down" });
    expect(err.details).toContain("reason=NOT_READY");
    expect(daemon.calls.map((c) => c.op)).toEqual(["detach"]);
  });

  it("ADD retries while the daemon answers NOT_READY, then attaches: no readiness probe", async () => {
    let attempts = 0;
    const attach = defaultScript().attach;
    daemon.script.attach = async (req) => {
      if (++attempts < 3) throw new DaemonError("NOT_READY", "netattachd is not ready: informers not synced");
      return attach(req);
    };
    const r = await runShimBinary(shim, containerdEnv("ADD"), JSON.stringify(shimConf(daemon.socketPath)));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0" });
    expect(daemon.calls.map((c) => c.op)).toEqual(["attach", "attach", "attach"]);
  });

  it("ADD gives up after readinessTimeoutMs with code 11 naming the socket and the reason", async () => {
    daemon.script.attach = async () => {
      throw new DaemonError("NOT_READY", "netattachd is not ready: informers not synced");
    };
    // Long enough for a second attempt even when the shim's first call is slow on a loaded machine.
    const err = await runFailing("ADD", shimConf(daemon.socketPath, { readinessTimeoutMs: 1500 }));
    expect(err.code).toBe(11);
    expect(err.msg).toBe(`netattachd at ${daemon.socketPath} is not ready after 1500 ms`);
    expect(err.details).toContain("informers not synced");
    expect(daemon.calls.filter((c) => c.op === "attach").length).toBeGreaterThan(1);
    expect(daemon.calls.some((c) => c.op === "status")).toBe(false);
  });

  it("a call that outlives callTimeoutMs fails with 11 at the deadline, and the daemon sees the call cancelled", async () => {
    let signal: AbortSignal | undefined;
    daemon.script.attach = (_req, ctx) => {
      signal = ctx?.signal;
      return new Promise(() => undefined); // Never answers.
    };
    const started = Date.now();
    const err = await runFailing("ADD", shimConf(daemon.socketPath, { callTimeoutMs: 300 }));
    expect(err).toMatchObject({
      code: 11,
      msg: `netattachd at ${daemon.socketPath} was reached, but the ADD ended without an answer; the daemon rolls back an ADD it could not finish (at its next start if it died), the runtime should DEL and retry`,
      details: "DEADLINE_EXCEEDED: Deadline exceeded",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await expect.poll(() => signal?.aborted).toBe(true);
  });

  it("STATUS reports a not-ready daemon as 50 and a failing cluster network with its own code", async () => {
    const conf = shimConf(daemon.socketPath, { cniVersion: "1.1.0" });
    daemon.script.status = async () => ({ ready: false, reasons: ["cluster network conf missing"] });
    expect(await runFailing("STATUS", conf)).toEqual({
      cniVersion: "1.1.0",
      code: 50,
      msg: `netattachd at ${daemon.socketPath} is not ready: cluster network conf missing`,
      details: "cluster network conf missing",
    });
    daemon.script.status = async () => ({ ready: false, reasons: ["informers not synced", "state dir read-only"] });
    expect(await runFailing("STATUS", conf)).toMatchObject({
      code: 50,
      msg: `netattachd at ${daemon.socketPath} is not ready: informers not synced (and 1 more)`,
      details: "informers not synced; state dir read-only",
    });
    daemon.script.status = async () => ({
      ready: true,
      reasons: [],
      clusterNetwork: { name: "cbr0", ok: false, cniCode: 51, message: "bridge down" },
    });
    expect(await runFailing("STATUS", conf)).toMatchObject({
      code: 51,
      msg: 'cluster network "cbr0" is not available',
      details: "bridge down",
    });
  });

  it("GC that leaves errors is 11, so the runtime tries again", async () => {
    daemon.script.gc = async () => ({ removedContainerIds: ["x"], errors: ["y: plugin failed"] });
    const err = await runFailing("GC", shimConf(daemon.socketPath, { cniVersion: "1.1.0" }));
    expect(err).toMatchObject({ code: 11, details: "y: plugin failed" });
  });
});

describe("with the daemon down", () => {
  it("ADD waits for the socket and succeeds once the daemon starts", async () => {
    daemon.script = defaultScript();
    daemon.calls.length = 0;
    const pending = runShimBinary(
      shim,
      containerdEnv("ADD"),
      JSON.stringify(shimConf(daemon.socketPath, { readinessTimeoutMs: 20_000 })),
    );
    await new Promise((r) => setTimeout(r, 400));
    await daemon.start();
    try {
      const r = await pending;
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0" });
      // The daemon probes its own status when it starts; the shim reached it once.
      expect(daemon.calls.filter((c) => c.op === "attach")).toHaveLength(1);
    } finally {
      await daemon.stop();
    }
  });

  it("ADD fails with 11 naming the socket after readinessTimeoutMs", async () => {
    const err = await runFailing("ADD", shimConf(daemon.socketPath, { readinessTimeoutMs: 200 }));
    expect(err.code).toBe(11);
    expect(err.msg).toContain(daemon.socketPath);
  });

  it("ADD takes a socket file left by a killed daemon for a daemon not up yet: it waits, then fails with 11", async () => {
    const stale = join(scratch, "stale.sock");
    const script = `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`;
    await new Promise((resolve) => spawn(process.execPath, ["-e", script]).on("exit", resolve));
    const err = await runFailing("ADD", shimConf(stale, { readinessTimeoutMs: 300 }));
    expect(err).toMatchObject({ code: 11, msg: `netattachd at ${stale} is not ready after 300 ms` });
    expect(err.details).toMatch(
      /attempts; last: UNAVAILABLE: No connection established\. Last error: Error: connect (ECONNREFUSED|ENOENT) /,
    );
  });

  it.each([
    ["a regular file", async (path: string) => writeFile(path, "")],
    ["a directory", async (path: string) => mkdir(path)],
  ])(
    "ADD and DEL do not wait on %s at the socket path: code 7 naming socketPath and what is there, no retry advice",
    async (kind, make) => {
      const path = join(scratch, `not-a-${kind.replace(/ /g, "-")}.sock`);
      await make(path);
      for (const command of ["ADD", "DEL"]) {
        const started = Date.now();
        const err = await runFailing(command, shimConf(path, { readinessTimeoutMs: 5000 }));
        expect(Date.now() - started).toBeLessThan(4000);
        expect(err).toEqual({
          cniVersion: "1.0.0",
          code: 7,
          msg: `cannot use "socketPath" ${JSON.stringify(path)}: ${kind}, not a socket; ${command} was not done`,
          details: `UNAVAILABLE: No connection established. Last error: Error: connect ENOTSOCK ${path}: ${kind}, not a socket`,
        });
      }
    },
  );

  it("a socketPath under a regular file (ENOTDIR) is code 7 at once", async () => {
    const file = join(scratch, "plain");
    await writeFile(file, "");
    const err = await runFailing("ADD", shimConf(join(file, "x.sock"), { readinessTimeoutMs: 5000 }));
    expect(err).toMatchObject({
      code: 7,
      msg: `cannot use "socketPath" ${JSON.stringify(join(file, "x.sock"))}: a component of the path is not a directory; ADD was not done`,
    });
  });

  it("DEL fails with 11 and a message naming the socket; it never claims success", async () => {
    const err = await runFailing("DEL", shimConf(daemon.socketPath));
    expect(err.code).toBe(11);
    expect(err.msg).toBe(
      `netattachd is not reachable at ${daemon.socketPath}; DEL was not done, the runtime should retry`,
    );
  });

  it("STATUS is 50 (plugin not available) naming the socket", async () => {
    const err = await runFailing("STATUS", shimConf(daemon.socketPath, { cniVersion: "1.1.0" }), {
      CNI_CONTAINERID: "",
      CNI_NETNS: "",
      CNI_IFNAME: "",
    });
    expect(err.code).toBe(50);
    expect(err.msg).toContain(daemon.socketPath);
  });
});

describe("bad invocations (no daemon needed)", () => {
  const conf = (): Record<string, unknown> => shimConf("/nonexistent/netattach.sock");

  it.each([
    ["a missing CNI_CONTAINERID", 4, { CNI_CONTAINERID: "" }, "CNI_CONTAINERID"],
    ["a missing CNI_NETNS on ADD", 4, { CNI_NETNS: "" }, "CNI_NETNS"],
    ["a container id with bad characters", 4, { CNI_CONTAINERID: "a/b" }, "containerID"],
    ["an interface name that is too long", 4, { CNI_IFNAME: "averyveryverylongname" }, "interface name"],
    ["an unknown command", 4, { CNI_COMMAND: "FROB" }, "FROB"],
  ])("%s is code %i", async (_what, code, env, mention) => {
    const command = (env as Record<string, string>).CNI_COMMAND ?? "ADD";
    const err = await runFailing(command, conf(), env as Record<string, string>);
    expect(err.code).toBe(code);
    expect(`${err.msg} ${err.details ?? ""}`).toContain(mention);
  });

  it("stdin that is not JSON is code 6", async () => {
    const r = await runShimBinary(shim, containerdEnv("ADD"), "{not json");
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 6 });
  });

  it("a 0.2.0 config is code 1: such results cannot describe several interfaces", async () => {
    expect(await runFailing("ADD", { ...conf(), cniVersion: "0.2.0" })).toMatchObject({ cniVersion: "0.2.0", code: 1 });
  });

  it("malformed shim keys and capability args are code 7 naming the key", async () => {
    expect(await runFailing("ADD", { ...conf(), socketPath: 5 })).toMatchObject({
      code: 7,
      msg: expect.stringContaining("socketPath"),
    });
    const bad = await runFailing("ADD", { ...conf(), runtimeConfig: { portMappings: { HostPort: 1 } } });
    expect(bad).toMatchObject({ code: 7, msg: expect.stringContaining("portMappings") });
  });

  it.each([0, 99])("callTimeoutMs %i is code 7: a call needs at least 100 ms to reach the daemon", async (ms) => {
    expect(await runFailing("ADD", { ...conf(), callTimeoutMs: ms })).toMatchObject({
      code: 7,
      msg: 'invalid "callTimeoutMs": must be a number of milliseconds from 100 to 2147483647',
      details: String(ms),
    });
  });
});
