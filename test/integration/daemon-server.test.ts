// netattachd's server around any AttachmentService: socket handling, health, error mapping,
// logging, TCP listener and graceful shutdown — a real daemon and a real gRPC client.
import { spawn } from "node:child_process";
import { lstat, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { connect as h2Connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { Status } from "nice-grpc-common";
import { pino } from "pino";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import { trackInFlightCalls, type AttachResult, type ServiceStatus } from "../../server/src/attach/index.js";
import { CniError } from "../../server/src/cni/index.js";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
import { StartupError } from "../../server/src/errors/startup-error.js";
import { INTERNAL_MESSAGE } from "../../server/src/errors/to-server-error.js";
import { MAX_CONCURRENT_STREAMS } from "../../server/src/grpc/create-rpc-server.js";
import { createDaemonClient } from "../../tools/src/daemon-client.js";
import { createFakeService, startDaemonWith, tempDir as makeTempDir, type TestDaemon } from "../helpers/daemon.js";
import { makeMtlsFiles } from "../helpers/mtls.js";

const silent = pino({ level: "silent" });
const READY: ServiceStatus = { ready: true, reasons: [], clusterNetwork: { name: "cbr", ok: true } };
const POD = { namespace: "ns1", name: "pod1", uid: "u1" };
const RESULT: AttachResult = {
  interfaces: [
    {
      network: "cbr",
      ifName: "eth0",
      ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }],
      isDefault: true,
      gateways: ["10.0.0.1"],
      result: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
    },
  ],
  primaryResult: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
  networkStatus: [{ name: "cbr", interface: "eth0", ips: ["10.0.0.2"], default: true }],
};
const attachReq = { containerId: "c1", netnsPath: "/var/run/netns/x", pod: POD };

const running: TestDaemon[] = [];
async function start(...args: Parameters<typeof startDaemonWith>): Promise<TestDaemon> {
  const d = await startDaemonWith(...args);
  running.push(d);
  return d;
}
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir();
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function errorInfo(err: unknown): ErrorInfo {
  expect(err).toBeInstanceOf(RichClientError);
  const info = (err as RichClientError).extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type);
  expect(info).toBeDefined();
  return info!;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("the call succeeded"),
    (err: unknown) => err,
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("unix socket", () => {
  it("listens with mode 0600 in a directory it created with mode 0700", async () => {
    const d = await start(createFakeService({ status: READY }));
    expect((await lstat(d.socketPath)).isSocket()).toBe(true);
    expect((await stat(d.socketPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(d.dir, "run"))).mode & 0o777).toBe(0o700);
  });

  it("replaces a stale socket left by a killed daemon", async () => {
    const dir = await tempDir();
    const socketPath = join(dir, "stale.sock");
    // A process that binds the socket and dies with SIGKILL leaves the file behind.
    const script = `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`;
    await new Promise((resolve) => spawn(process.execPath, ["-e", script]).on("exit", resolve));
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    const d = await start(createFakeService({ status: READY }), { socketPath });
    expect((await d.client.api.getStatus({})).ready).toBe(true);
  });

  it("refuses to start when a live daemon answers on the socket, before any component starts, and leaves it serving", async () => {
    const first = await start(createFakeService({ status: READY }));
    const started: string[] = [];
    const err = await rejection(
      start(createFakeService({ status: READY }), {
        socketPath: first.socketPath,
        // A component's start() runs the start-up cleanup: it must not run for a daemon that is refused.
        lifecycles: [{ name: "cleanup", start: async () => void started.push("cleanup"), stop: async () => undefined }],
      }),
    );
    expect(started).toEqual([]);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).code).toBe("SOCKET_IN_USE");
    expect((err as Error).message).toContain(first.socketPath);
    expect((await first.client.api.getStatus({})).ready).toBe(true);
  });

  it("refuses a socketPath whose parent is a regular file, naming the key, and leaves the file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "file"), "keep me");
    const socketPath = join(dir, "file", "x.sock");
    const err = await rejection(start(createFakeService({ status: READY }), { socketPath }));
    expect([(err as StartupError).code, (err as Error).message]).toEqual([
      "SOCKET_PATH_INVALID",
      `socketPath ${socketPath}: a parent of it is not a directory`,
    ]);
    expect((await lstat(join(dir, "file"))).isFile()).toBe(true);
  });

  it("refuses to replace a file that is not a socket", async () => {
    const dir = await tempDir();
    const socketPath = join(dir, "not-a-socket");
    await writeFile(socketPath, "keep me");
    const err = await rejection(start(createFakeService({ status: READY }), { socketPath }));
    expect((err as StartupError).code).toBe("SOCKET_PATH_TAKEN");
    expect((await lstat(socketPath)).isFile()).toBe(true);
  });

  it("serves TCP only when asked, only with mutual TLS; the TCP listener serves the same API", async () => {
    const plain = await start(createFakeService({ status: READY }));
    expect(plain.tcpPort).toBeUndefined();
    const refused = await rejection(start(createFakeService({ status: READY }), { tcpListen: "127.0.0.1:0" }));
    expect((refused as StartupError).code).toBe("TLS_REQUIRED");
    expect((refused as Error).message).toBe(
      "refusing to listen on 127.0.0.1:0 without mutual TLS (set tls.certFile, tls.keyFile, tls.clientCaFile)",
    );

    const certs = makeMtlsFiles();
    try {
      const fake = createFakeService({ status: READY });
      const d = await start(fake, {
        tcpListen: "127.0.0.1:0",
        tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
      });
      expect(d.tcpPort).toBeGreaterThan(0);
      const target = `127.0.0.1:${d.tcpPort}`;
      const good = createDaemonClient(target, { ca: certs.ca, ...certs.client });
      const anonymous = createDaemonClient(target, {
        ca: certs.ca,
        cert: undefined as unknown as Buffer,
        key: undefined as unknown as Buffer,
      });
      const rogue = createDaemonClient(target, { ca: certs.ca, ...certs.rogueClient });
      const insecure = createDaemonClient(target);
      try {
        expect((await good.api.getStatus({})).clusterNetwork?.name).toBe("cbr");
        for (const [name, client] of [
          ["no client certificate", anonymous],
          ["a certificate of another CA", rogue],
          ["plaintext", insecure],
        ] as const) {
          const err = await rejection(client.api.attachNetworks(attachReq, { deadline: Date.now() + 3_000 }));
          // Refused at the handshake: UNAVAILABLE, or the deadline when TLS 1.3 lets the client think it connected.
          expect([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED], name).toContain((err as { code?: number }).code);
        }
        expect(fake.calls.filter((c) => c.method === "attach")).toEqual([]);
      } finally {
        for (const c of [good, anonymous, rogue, insecure]) c.close();
      }
    } finally {
      certs.cleanup();
    }
  });

  it(`lets an HTTP/2 connection hold at most ${MAX_CONCURRENT_STREAMS} calls at once, on the socket and the TCP listener`, async () => {
    const certs = makeMtlsFiles();
    try {
      const d = await start(createFakeService({ status: READY }), {
        tcpListen: "127.0.0.1:0",
        tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
      });
      /** What the daemon's SETTINGS frame says: a client opens no more streams than that. */
      const advertised = (session: ClientHttp2Session): Promise<number | undefined> =>
        new Promise((resolve, reject) => {
          session.once("error", reject).once("remoteSettings", (settings) => {
            resolve(settings.maxConcurrentStreams);
            session.destroy();
          });
        });
      const unix = h2Connect("http://localhost", { createConnection: () => netConnect(d.socketPath) });
      const tcp = h2Connect(`https://127.0.0.1:${d.tcpPort}`, {
        createConnection: () =>
          tlsConnect({ host: "127.0.0.1", port: d.tcpPort!, ca: certs.ca, ...certs.client, ALPNProtocols: ["h2"] }),
      });
      // Unset, it was 2^32-1: one connection held 20000 streams, 300 MiB.
      expect(await Promise.all([advertised(unix), advertised(tcp)])).toEqual([
        MAX_CONCURRENT_STREAMS,
        MAX_CONCURRENT_STREAMS,
      ]);
    } finally {
      certs.cleanup();
    }
  });
});

describe("health", () => {
  it("reports NOT_SERVING until the domain says ready, then SERVING, overall and for the service", async () => {
    const fake = createFakeService({ status: { ready: false, reasons: ["sources not synced"] } });
    const d = await start(fake);
    expect((await d.client.health.check({ service: "" })).status).toBe(2); // NOT_SERVING
    fake.answers.status = READY;
    await until("SERVING", async () =>
      (await d.client.health.check({ service: "" })).status === 1 ? true : undefined,
    );
    expect((await d.client.health.check({ service: "netattach.v1.AttachmentService" })).status).toBe(1);
    const unknown = await rejection(d.client.health.check({ service: "nope.Service" }));
    expect((unknown as RichClientError).code).toBe(Status.NOT_FOUND);
  });

  it("goes NOT_SERVING when the domain stops being ready", async () => {
    const fake = createFakeService({ status: READY });
    const d = await start(fake);
    expect((await d.client.health.check({ service: "" })).status).toBe(1);
    fake.answers.status = { ready: false, reasons: ["cluster network STATUS failed"] };
    await until("NOT_SERVING", async () =>
      (await d.client.health.check({ service: "" })).status === 2 ? true : undefined,
    );
    expect(d.logs.some((l) => l.msg === "not ready" && JSON.stringify(l.reasons).includes("STATUS failed"))).toBe(true);
  });
});

describe("errors on the wire", () => {
  it("DaemonError → catalog status + ErrorInfo reason, cniCode and context", async () => {
    const fake = createFakeService({
      status: READY,
      resolve: new DaemonError("NETWORK_NOT_FOUND", "network ns1/blue not found; tried: definitions dir /x", {
        network: "ns1/blue",
        phase: "resolve",
        source: "k8s.v1.cni.cncf.io/networks",
      }),
    });
    const d = await start(fake);
    const err = await rejection(d.client.api.resolveNetworks({ pod: POD }));
    expect((err as RichClientError).code).toBe(Status.NOT_FOUND);
    expect((err as RichClientError).details).toBe("network ns1/blue not found; tried: definitions dir /x");
    const info = errorInfo(err);
    expect(info.reason).toBe("NETWORK_NOT_FOUND");
    expect(info.domain).toBe("netattach.dev");
    expect(info.metadata).toEqual({
      cniCode: "7",
      network: "ns1/blue",
      phase: "resolve",
      source: "k8s.v1.cni.cncf.io/networks",
    });
  });

  it("a plugin failure carries the plugin's own CNI code, and the status derives from it", async () => {
    const cause = new CniError({
      kind: "plugin-failed",
      code: 3,
      msg: "container unknown",
      plugin: "macvlan",
      network: "macvlan-conf",
      command: "DEL",
      stderr: "boom",
    });
    const fake = createFakeService({
      status: READY,
      check: new DaemonError(
        "PLUGIN_FAILED",
        "delegate macvlan-conf failed",
        { network: "ns1/macvlan-conf", ifName: "net1" },
        { cause },
      ),
    });
    const d = await start(fake);
    const err = await rejection(d.client.api.checkNetworks({ containerId: "c1" }));
    expect((err as RichClientError).code).toBe(Status.NOT_FOUND);
    expect(errorInfo(err).metadata).toEqual({
      cniCode: "3",
      network: "ns1/macvlan-conf",
      plugin: "macvlan",
      phase: "del",
      ifName: "net1",
      stderr: "boom",
    });
  });

  it("an unexpected error → INTERNAL with a generic message; the real error is logged", async () => {
    const fake = createFakeService({
      status: READY,
      list: new TypeError("cannot read properties of undefined (secret /root/x)"),
    });
    const d = await start(fake);
    const err = await rejection(d.client.api.listAttachments({}));
    expect((err as RichClientError).code).toBe(Status.INTERNAL);
    expect((err as RichClientError).details).toBe(INTERNAL_MESSAGE);
    expect(errorInfo(err)).toMatchObject({ reason: "INTERNAL", metadata: { cniCode: "999" } });
    const logged = d.logs.find((l) => l.msg === "unexpected error");
    expect(JSON.stringify(logged?.err)).toContain("secret /root/x");
    expect(logged?.level).toBe(50);
  });

  it("an AbortError → CANCELLED", async () => {
    const fake = createFakeService({ status: READY, gc: new DOMException("aborted", "AbortError") });
    const d = await start(fake);
    const err = await rejection(d.client.api.garbageCollect({}));
    expect((err as RichClientError).code).toBe(Status.CANCELLED);
    expect(errorInfo(err).reason).toBe("CANCELLED");
  });
});

describe("per-call logging", () => {
  it("logs each call with rpc, container, pod, status and duration", async () => {
    const fake = createFakeService({ status: READY, attach: RESULT, check: new Error("check broke") });
    const d = await start(fake);
    await d.client.api.attachNetworks(attachReq);
    await rejection(d.client.api.checkNetworks({ containerId: "c9" }));
    const ok = d.logs.find((l) => l.msg === "call ok" && l.rpc === "AttachNetworks");
    expect(ok).toMatchObject({
      rpc: "AttachNetworks",
      containerId: "c1",
      podNamespace: "ns1",
      podName: "pod1",
      code: "OK",
    });
    expect(typeof ok?.durationMs).toBe("number");
    const failed = d.logs.find((l) => l.msg === "call failed" && l.rpc === "CheckNetworks");
    expect(failed).toMatchObject({ containerId: "c9", code: "INTERNAL", reason: "INTERNAL" });
  });
});

describe("graceful shutdown", () => {
  it("lets a call in flight finish, refuses new connections, then removes the socket", async () => {
    const fake = createFakeService({ status: READY, attach: RESULT });
    let release!: () => void;
    fake.gates.attach = new Promise<void>((r) => (release = r));
    const d = await start(fake, { shutdownTimeoutMs: 30_000 });
    const inFlight = d.client.api.attachNetworks(attachReq);
    await until("the call to reach the service", () =>
      fake.calls.some((c) => c.method === "attach") ? true : undefined,
    );
    const stopping = d.daemon.stop();
    // Health goes NOT_SERVING at once, new clients cannot connect.
    const late = createDaemonClient(d.socketPath);
    try {
      const err = await rejection(late.api.getStatus({}, { deadline: new Date(Date.now() + 2_000) }));
      expect([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]).toContain((err as RichClientError).code);
    } finally {
      late.close();
    }
    release();
    const res = await inFlight;
    expect(res.interfaces[0]?.interface).toBe("eth0");
    expect(await stopping).toEqual({ abandoned: 0 });
    expect(fake.calls.find((c) => c.method === "attach")?.signal.aborted).toBe(false);
    await expect(lstat(d.socketPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("cancels calls still running at the shutdown bound; their signal fires", async () => {
    const fake = createFakeService({ status: READY, attach: RESULT });
    fake.gates.attach = new Promise<void>(() => undefined); // never released
    const d = await start(fake, { shutdownTimeoutMs: 200, shutdownRollbackMs: 200 });
    const inFlight = rejection(d.client.api.attachNetworks(attachReq));
    await until("the call to reach the service", () =>
      fake.calls.some((c) => c.method === "attach") ? true : undefined,
    );
    await d.daemon.stop();
    const err = await inFlight;
    expect([Status.CANCELLED, Status.UNAVAILABLE]).toContain((err as RichClientError).code);
    expect(fake.calls.find((c) => c.method === "attach")?.signal.aborted).toBe(true);
    expect(d.logs.some((l) => l.msg === "calls still running at the shutdown deadline; cancelling them")).toBe(true);
  });

  it("waits for a cancelled call to roll back before stopping the components; its caller gets the call's own error saying netattachd stopped it", async () => {
    const order: string[] = [];
    const fake = createFakeService({ status: READY });
    // An ADD that outlives the deadline, then takes a while to roll back once its signal fires.
    fake.attach = async (_req, ctx) => {
      order.push("running");
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      await new Promise((r) => setTimeout(r, 300));
      order.push("rolled back");
      throw new DaemonError("CANCELLED", 'network "cbr": ADD aborted (rolled back: 1 delegate deleted)', {
        network: "cbr",
      });
    };
    const component = {
      name: "component",
      start: async () => undefined,
      stop: async () => void order.push("component stopped"),
    };
    const d = await start(fake, { shutdownTimeoutMs: 100, shutdownRollbackMs: 10_000, lifecycles: [component] });
    const inFlight = rejection(d.client.api.attachNetworks(attachReq));
    await until("the call to reach the service", () => (order.length > 0 ? true : undefined));
    await d.daemon.stop();
    expect(order).toEqual(["running", "rolled back", "component stopped"]);
    const err = await inFlight;
    expect(Status[(err as RichClientError).code]).toBe("CANCELLED");
    expect(errorInfo(err).reason).toBe("CANCELLED");
    expect((err as RichClientError).details).toBe(
      'netattachd is stopping (cancelled at the shutdown deadline, shutdownTimeoutMs 100): network "cbr": ADD aborted (rolled back: 1 delegate deleted)',
    );
  });

  it("with no call running, stops at once although a client holds an idle connection on each listener", async () => {
    const certs = makeMtlsFiles();
    try {
      const d = await start(createFakeService({ status: READY }), {
        shutdownTimeoutMs: 10_000,
        shutdownRollbackMs: 15_000,
        tcpListen: "127.0.0.1:0",
        tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
      });
      // A TCP connection that never starts its TLS handshake, and a unix one that never says which protocol.
      const idle = [netConnect(d.tcpPort!, "127.0.0.1"), netConnect(d.socketPath)];
      await Promise.all(idle.map((c) => new Promise((r) => c.once("connect", r))));
      idle.forEach((c) => c.on("error", () => undefined));
      const t0 = Date.now();
      await d.daemon.stop();
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(d.logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
      idle.forEach((c) => c.destroy());
    } finally {
      certs.cleanup();
    }
  });

  it("waits for and cancels a call made on the service directly (the annotation watcher's hot-plug) as it does an RPC", async () => {
    const order: string[] = [];
    const fake = createFakeService({ status: READY });
    fake.attachNetwork = async (_req, ctx) => {
      order.push("running");
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      await new Promise((r) => setTimeout(r, 300));
      order.push("rolled back");
      throw new DaemonError("CANCELLED", 'network "ns1/blue": hot-plug aborted (rolled back: 1 delegate deleted)');
    };
    const calls = trackInFlightCalls(fake);
    const component = {
      name: "component",
      start: async () => undefined,
      stop: async () => void order.push("component stopped"),
    };
    const d = await start(fake, { calls, shutdownTimeoutMs: 100, shutdownRollbackMs: 10_000, lifecycles: [component] });
    const { signal } = new AbortController();
    const hotplug = calls.service
      .attachNetwork({ containerId: "c1", selection: { name: "blue", namespace: "ns1" } }, { signal, log: silent })
      .catch((err: unknown) => err);
    await until("the hot-plug to run", () => (order.length > 0 ? true : undefined));
    await d.daemon.stop();
    expect(order).toEqual(["running", "rolled back", "component stopped"]);
    expect(d.logs.find((l) => l.msg === "calls still running at the shutdown deadline; cancelling them")).toMatchObject(
      { calls: 1 },
    );
    expect(((await hotplug) as Error).message).toContain("netattachd is stopping");
  });

  it("stops anyway once shutdownRollbackMs has passed, saying how many calls were left", async () => {
    const fake = createFakeService({ status: READY });
    fake.gates.attach = new Promise<void>(() => undefined); // ignores its signal
    const d = await start(fake, { shutdownTimeoutMs: 100, shutdownRollbackMs: 300 });
    const inFlight = rejection(d.client.api.attachNetworks(attachReq));
    await until("the call to reach the service", () =>
      fake.calls.some((c) => c.method === "attach") ? true : undefined,
    );
    const t0 = Date.now();
    // The call left behind is reported, so that main exits non-zero.
    expect(await d.daemon.stop()).toEqual({ abandoned: 1 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    await inFlight;
    expect(d.logs.find((l) => l.msg?.startsWith("calls still rolling back at shutdownRollbackMs"))).toMatchObject({
      shutdownRollbackMs: 300,
      calls: 1,
    });
  });

  it("bounds a component's stop (a reconcile pass's CNI GC) by shutdownRollbackMs too, names it and reports it", async () => {
    const stuck = { name: "reconciler", start: async () => undefined, stop: () => new Promise<void>(() => undefined) };
    const after: string[] = [];
    const next = { name: "spawner", start: async () => undefined, stop: async () => void after.push("stopped") };
    // Stopped in reverse: the stuck one first, then the one it must not hold back.
    const d = await start(createFakeService({ status: READY }), {
      shutdownTimeoutMs: 100,
      shutdownRollbackMs: 300,
      lifecycles: [next, stuck],
    });
    const t0 = Date.now();
    expect(await d.daemon.stop()).toEqual({ abandoned: 1 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(after).toEqual(["stopped"]);
    expect(d.logs.find((l) => l.msg?.startsWith("a component did not stop within shutdownRollbackMs"))).toMatchObject({
      shutdownRollbackMs: 300,
      component: "reconciler",
    });
  });
});

it("creates missing parent directories of the socket", async () => {
  const dir = await tempDir();
  const socketPath = join(dir, "a", "b", "n.sock");
  await mkdir(join(dir, "a"), { recursive: true });
  const d = await start(createFakeService({ status: READY }), { socketPath });
  expect((await stat(join(dir, "a", "b"))).mode & 0o777).toBe(0o700);
  expect((await d.client.api.getStatus({})).ready).toBe(true);
});
