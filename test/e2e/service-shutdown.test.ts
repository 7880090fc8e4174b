// SIGTERM while a call outlives shutdownTimeoutMs: netattachd cancels it, then waits (up to
// shutdownRollbackMs) for what the cancelled call undoes or saves before it exits. An ADD or a
// hot-plug is rolled back — nothing is left for the next start — and a DEL leaves the record a
// later DEL finishes; each caller gets the catalog error saying netattachd stopped the call.
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { stringify } from "yaml";
import { stateLayout, type DaemonConfig } from "../../server/src/config/index.js";
import { createDaemonClient } from "../../tools/src/daemon-client.js";
import { buildShim, containerdEnv, runShimBinary, shimConf } from "../helpers/containerd/shim-binary.js";
import { spawnDaemonProcess, type DaemonProcess } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure } from "../helpers/rpc-failure.js";
import { createServiceWorld, podRequest, type ServiceWorld } from "../helpers/service-world.js";

/** noop without its config's sleep: VERSION answers, every other command succeeds with no output. */
const QUICK_NOOP = `#!/bin/sh
cat >/dev/null
[ "$CNI_COMMAND" = VERSION ] && echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0","1.1.0"]}'
exit 0
`;

describeRoot("service e2e: SIGTERM past shutdownTimeoutMs", () => {
  let w: ServiceWorld;
  let config: DaemonConfig;
  let configPath: string;
  const procs: DaemonProcess[] = [];

  beforeEach(async () => {
    w = await createServiceWorld("stop");
    config = w.config({ logLevel: "debug", shutdownTimeoutMs: 500, shutdownRollbackMs: 15_000 });
    configPath = join(w.dir, "netattachd.yaml");
    await writeFile(configPath, stringify(config));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
    await w?.cleanup();
  });

  async function startProcess(): Promise<DaemonProcess> {
    const p = spawnDaemonProcess(["--config", configPath]);
    procs.push(p);
    await p.listening();
    return p;
  }

  /** ptp then noop: `slow` names the noop command that sleeps (ptp's link and address are in place meanwhile). */
  async function writeSlowNad(...slow: Array<"ADD" | "DEL">): Promise<void> {
    await w.writeNad("default", "slow-conf", {
      cniVersion: "1.0.0",
      name: "slow-conf",
      plugins: [
        { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.c.subnet }]] } },
        {
          type: "noop",
          debugFile: w.debugFile,
          noop: Object.fromEntries(slow.map((command) => [command, { sleepMs: 60_000 }])),
        },
      ],
    });
  }

  const savedIds = async (): Promise<string[]> => readdir(stateLayout(config).attachmentsDir);
  const savedRecord = async (id: string) =>
    JSON.parse(await readFile(join(stateLayout(config).attachmentsDir, `${id}.json`), "utf8")) as {
      phase: string;
      plan: { delegates: Array<{ ifName: string }> };
    };

  /** A call's failure, awaited later (held meanwhile, so its rejection is not unhandled). */
  function failureOf(call: Promise<unknown>): ReturnType<typeof rpcFailure> {
    const f = rpcFailure(call);
    f.catch(() => undefined);
    return f;
  }

  /** SIGTERM once `ready` holds; resolves with the daemon's exit code. */
  async function sigtermWhen(p: DaemonProcess, what: string, ready: () => Promise<boolean>): Promise<number | null> {
    await p.waitFor(what, ready);
    p.child.kill("SIGTERM");
    return p.exited;
  }

  it("an ADD cancelled at the deadline is rolled back before netattachd exits: nothing left in the netns, IPAM or state", async () => {
    await writeSlowNad("ADD");
    const p = await startProcess();
    const client = createDaemonClient(config.socketPath);
    let adding: ReturnType<typeof rpcFailure>;
    try {
      adding = failureOf(client.api.attachNetworks(podRequest(w, "stop1", "default/slow-conf@slow0")));
      const code = await sigtermWhen(p, "ptp to have made slow0", async () => (await w.podLinks()).includes("slow0"));
      expect(code).toBe(0);
    } finally {
      client.close();
    }
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "slow-conf"]) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    expect(await savedIds()).toEqual([]);
    const f = await adding;
    expect([f.code, f.info.reason]).toEqual(["CANCELLED", "CANCELLED"]);
    expect(f.message).toContain("netattachd is stopping");
    expect(f.message).toContain("rolled back: 2 delegates deleted");
    expect(p.stdout()).toContain("calls still running at the shutdown deadline; cancelling them");
  });

  it("through the shim (containerd's path): the ADD is rolled back before netattachd exits and the shim prints CNI 11 saying so", async () => {
    const shim = await buildShim();
    // The cluster network is the slow one: the shim's ADD attaches only it.
    await w.writeConf("10-cluster.conflist", {
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [
        {
          type: "ptp",
          ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.cluster.subnet }]] },
        },
        { type: "noop", noop: { ADD: { sleepMs: 60_000 } } },
      ],
    });
    const p = await startProcess();
    const adding = runShimBinary(
      shim,
      containerdEnv("ADD", { netns: w.netns.path }),
      JSON.stringify(shimConf(config.socketPath)),
    );
    const code = await sigtermWhen(p, "ptp to have made eth0", async () => (await w.podLinks()).includes("eth0"));
    expect(code).toBe(0);
    expect(await w.podLinks()).toEqual([]);
    expect(await w.reservations("cluster")).toEqual([]);
    expect(await savedIds()).toEqual([]);
    const r = await adding;
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { code: number; msg: string; details: string };
    expect(out.code).toBe(11);
    expect(out.msg).toContain("netattachd is stopping");
    expect(out.msg).toContain("rolled back: 1 delegate deleted");
    expect(out.details).toContain("reason=CANCELLED");
  }, 180_000);

  it("a hot-plug cancelled at the deadline is rolled back alone before netattachd exits; the pod keeps eth0", async () => {
    await writeSlowNad("ADD");
    const p = await startProcess();
    const client = createDaemonClient(config.socketPath);
    let eth0: string[];
    let adding: ReturnType<typeof rpcFailure>;
    try {
      const attached = await client.api.attachNetworks({
        ...podRequest(w, "stop2", ""),
        annotations: { values: {} },
      });
      eth0 = attached.interfaces[0]!.ips.map((ip) => ip.address);
      adding = failureOf(
        client.api.attachNetwork({
          containerId: "stop2",
          selection: { name: "slow-conf", interface: "slow0", ips: [], portMappings: [] },
        }),
      );
      const code = await sigtermWhen(p, "ptp to have made slow0", async () => (await w.podLinks()).includes("slow0"));
      expect(code).toBe(0);
    } finally {
      client.close();
    }
    expect(await w.podLinks()).toEqual(["eth0"]);
    expect(globalAddrs(await w.netns.addr("eth0"))).toEqual(eth0);
    expect(await w.reservations("slow-conf")).toEqual([]);
    expect(await w.reservations("cluster")).toHaveLength(1);
    const saved = await savedRecord("stop2");
    expect([saved.phase, saved.plan.delegates.map((d) => d.ifName)]).toEqual(["attached", ["eth0"]]);
    const f = await adding;
    expect([f.code, f.info.reason]).toEqual(["CANCELLED", "CANCELLED"]);
    expect(f.message).toContain("netattachd is stopping");
    expect(f.message).toContain("rolled back: 1 delegate deleted");
  });

  it("a DEL cancelled at the deadline saves what is left (phase detaching) before netattachd exits; the runtime's retried DEL finishes it", async () => {
    await writeSlowNad("DEL");
    const first = await startProcess();
    const client = createDaemonClient(config.socketPath);
    try {
      await client.api.attachNetworks(podRequest(w, "stop3", "default/slow-conf@slow0"));
      const deleting = failureOf(client.api.detachNetworks({ containerId: "stop3", netnsPath: w.netns.path }));
      const code = await sigtermWhen(first, "the slow DEL to run", async () =>
        (await readFile(w.debugFile, "utf8")).includes('"command":"DEL"'),
      );
      expect(code).toBe(0);
      const f = await deleting;
      expect([f.code, f.info.reason]).toEqual(["UNAVAILABLE", "DETACH_INCOMPLETE"]);
      expect(f.message).toContain("netattachd is stopping");
    } finally {
      client.close();
    }
    expect((await savedRecord("stop3")).phase).toBe("detaching");

    // DEL runs the saved config, sleep included: the retry gets a noop that ignores it.
    // (The world's noop is a symlink to the fixture: removed first, never written through.)
    await rm(join(w.binDirs[0]!, "noop"));
    await writeFile(join(w.binDirs[0]!, "noop"), QUICK_NOOP, { mode: 0o755 });
    await startProcess();
    const again = createDaemonClient(config.socketPath);
    try {
      await again.api.detachNetworks({ containerId: "stop3", netnsPath: w.netns.path });
    } finally {
      again.close();
    }
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "slow-conf"]) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    expect(await savedIds()).toEqual([]);
  });

  it("a second SIGTERM while a rollback runs exits at once and says so; the next start rolls the ADD back", async () => {
    await writeSlowNad("ADD", "DEL");
    const first = await startProcess();
    const client = createDaemonClient(config.socketPath);
    try {
      // The daemon exits under it: the caller gets the transport's error, no catalog one.
      const adding = client.api
        .attachNetworks(podRequest(w, "stop4", "default/slow-conf@slow0"))
        .catch((e: unknown) => e);
      await first.waitFor("ptp to have made slow0", async () => (await w.podLinks()).includes("slow0"));
      first.child.kill("SIGTERM");
      await first.waitFor("the rollback's slow DEL to run", async () =>
        (await readFile(w.debugFile, "utf8").catch(() => "")).includes('"command":"DEL"'),
      );
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(143);
      expect(first.stdout()).toContain("second signal while stopping: exiting without waiting");
      expect(await adding).toBeInstanceOf(Error);
    } finally {
      client.close();
    }
    expect((await savedRecord("stop4")).phase).toBe("attaching");
    await expectNextStartRollsBack();
  });

  it("a rollback still running at shutdownRollbackMs is given up with exit 1, so a supervisor can tell; the next start rolls the ADD back", async () => {
    config = { ...config, shutdownRollbackMs: 1_000 };
    await writeFile(configPath, stringify(config));
    await writeSlowNad("ADD", "DEL");
    const p = await startProcess();
    const client = createDaemonClient(config.socketPath);
    try {
      const adding = client.api
        .attachNetworks(podRequest(w, "stop5", "default/slow-conf@slow0"))
        .catch((e: unknown) => e);
      const code = await sigtermWhen(p, "ptp to have made slow0", async () => (await w.podLinks()).includes("slow0"));
      expect(code).toBe(1);
      expect(p.stdout()).toContain("calls still rolling back at shutdownRollbackMs; stopping anyway");
      expect(await adding).toBeInstanceOf(Error);
    } finally {
      client.close();
    }
    expect((await savedRecord("stop5")).phase).toBe("attaching");
    await expectNextStartRollsBack();
  });

  /** With a noop that no longer sleeps, a new netattachd rolls back the ADD its predecessor left. */
  async function expectNextStartRollsBack(): Promise<void> {
    await rm(join(w.binDirs[0]!, "noop"));
    await writeFile(join(w.binDirs[0]!, "noop"), QUICK_NOOP, { mode: 0o755 });
    const next = await startProcess();
    expect(next.stdout()).toContain("rolled back an ADD a previous netattachd never finished");
    expect(await w.podLinks()).toEqual([]);
    for (const n of ["cluster", "slow-conf"]) expect(await w.reservations(n), `IPAM reservations of ${n}`).toEqual([]);
    expect(await savedIds()).toEqual([]);
  }
});
