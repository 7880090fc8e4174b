// netattachctl doctor against a real daemon composed like main.ts (test-double plugins) and a
// runtime conf/bin dir written by `netattachctl install`: each check finds what was broken
// on purpose, names it, prints the fix, and the exit code says whether anything failed.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../tools/src/cli.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { startFakeCri } from "../helpers/fake-cri.js";
import { startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { createScratchNetns } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const isRoot = process.getuid?.() === 0;

let d: TestDaemon;
let dir: string;
let configPath: string;
const paths = { confDir: "", binDir: "", shim: "", daemonBin: "" };

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli({
    argv,
    env: {},
    cwd: dir,
    ...(process.getuid ? { uid: process.getuid() } : {}),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

function doctor(...extra: string[]) {
  return cli(
    "doctor",
    "--config",
    configPath,
    "--conf-dir",
    paths.confDir,
    "--bin-dir",
    paths.binDir,
    "--shim",
    paths.shim,
    ...extra,
  );
}

interface Check {
  check: string;
  status: string;
  message: string;
  fix?: string;
}

async function checks(...extra: string[]): Promise<{ code: number; ok: boolean; byName: Record<string, Check> }> {
  const r = await doctor("-o", "json", ...extra);
  const doc = JSON.parse(r.out) as { ok: boolean; checks: Check[] };
  return { code: r.code, ok: doc.ok, byName: Object.fromEntries(doc.checks.map((c) => [c.check, c])) };
}

/** Doctor's failed stale-state check: exit 1, and the message and fix it printed. */
async function staleStateFailure(): Promise<{ message?: string; fix?: string }> {
  const { code, byName } = await checks();
  expect([code, byName["stale-state"]?.check, byName["stale-state"]?.status]).toEqual([1, "stale-state", "fail"]);
  const { message, fix } = byName["stale-state"] ?? {};
  return { message, fix };
}

beforeAll(async () => {
  dir = await tempDir("na-doctor-");
  paths.daemonBin = join(dir, "bin");
  paths.confDir = join(dir, "runtime-net.d");
  paths.binDir = join(dir, "runtime-bin");
  paths.shim = join(dir, "netattach-cni");
  for (const sub of ["bin", "net.d", "definitions", "runtime-net.d", "runtime-bin"]) await mkdir(join(dir, sub));
  for (const type of ["noop", "noop-ipam"]) await symlink(NOOP, join(paths.daemonBin, type));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "noop", ipam: { type: "noop-ipam" } }] }),
  );
  await writeFile(
    join(dir, "definitions", "blue.yaml"),
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: blue, namespace: default}\nspec:\n  config: '{"cniVersion":"1.0.0","plugins":[{"type":"noop"}]}'\n`,
  );
  const config = {
    clusterNetwork: "cluster",
    cniBinDirs: [paths.daemonBin],
    cniConfDir: join(dir, "net.d"),
    definitionsDir: join(dir, "definitions"),
    defaultNamespace: "default",
  };
  d = await startComposedDaemon(config, { dir });
  configPath = join(dir, "netattachd.json");
  await writeFile(configPath, JSON.stringify({ ...config, socketPath: d.socketPath, stateDir: join(dir, "state") }));
  // The shim "this version ships": any file will do, doctor compares bytes.
  await copyFile(NOOP, paths.shim);
});

afterAll(async () => {
  await d?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // A healthy node: the runtime's dirs hold only what install writes.
  await rm(paths.confDir, { recursive: true, force: true });
  await rm(paths.binDir, { recursive: true, force: true });
  await mkdir(paths.confDir);
  await mkdir(paths.binDir);
  const installed = await cli(
    "install",
    "--shim",
    paths.shim,
    "--bin-dir",
    paths.binDir,
    "--conf-dir",
    paths.confDir,
    "--socket",
    d.socketPath,
    "--cluster-network",
    "cluster",
  );
  expect(installed.code).toBe(0);
  await rm(join(paths.daemonBin, "noop-ipam"), { force: true });
  await symlink(NOOP, join(paths.daemonBin, "noop-ipam"));
});

describe("netattachctl doctor", () => {
  it("passes every check on a healthy node and exits 0", async () => {
    const r = await doctor();
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`[ok]   daemon: netattachd on ${d.socketPath} is ready (cluster network cluster)\n`);
    expect(r.out).toContain(
      `[ok]   conf-order: ${join(paths.confDir, "00-netattach.conflist")} is the first config in ${paths.confDir}\n`,
    );
    expect(r.out).toContain(`[ok]   shim: ${join(paths.binDir, "netattach-cni")} matches ${paths.shim}\n`);
    expect(r.out).toContain(`[ok]   plugins: 2 network(s), 3 plugin reference(s), all found in ${paths.daemonBin}\n`);
    expect(r.out).toContain("[ok]   stale-state: 0 saved attachment(s)");
    expect(r.out).not.toContain("fix:");
  });

  it("finds a removed plugin binary and names the network, the plugin and the file", async () => {
    await rm(join(paths.daemonBin, "noop-ipam"));
    const { code, byName } = await checks();
    expect(code).toBe(1);
    expect(byName.plugins?.status).toBe("fail");
    expect(byName.plugins?.message).toBe(
      `network cluster (${join(dir, "net.d", "10-cluster.conflist")}): plugin "noop-ipam" not found in ${paths.daemonBin}`,
    );
    expect(byName.plugins?.fix).toContain(`install "noop-ipam" into one of ${paths.daemonBin}`);
    // The cluster network (cniVersion 1.0.0, so no CNI STATUS) cannot run: the daemon is not ready either.
    expect(byName.daemon?.status).toBe("fail");
    expect(byName.daemon?.message).toContain('"noop-ipam"');
  });

  it("finds another network's conf sorting before netattach's conflist", async () => {
    const other = join(paths.confDir, "00-aaa-bridge.conflist");
    await writeFile(other, JSON.stringify({ cniVersion: "1.0.0", name: "other", plugins: [{ type: "bridge" }] }));
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `[FAIL] conf-order: 00-aaa-bridge.conflist sorts before 00-netattach.conflist in ${paths.confDir}: the runtime uses 00-aaa-bridge.conflist and pods never reach netattach\n` +
        `       fix: move ${other} out of ${paths.confDir}`,
    );
  });

  it("fails a netattach conflist the shim would refuse on every call (an older install, a hand edit)", async () => {
    const path = join(paths.confDir, "00-netattach.conflist");
    const conf = JSON.parse(await readFile(path, "utf8")) as { plugins: Record<string, unknown>[] };
    conf.plugins[0]!["logLevel"] = "verbose";
    await writeFile(path, JSON.stringify(conf));
    const { code, byName } = await checks();
    expect(code).toBe(1);
    expect(byName["conf-order"]).toMatchObject({
      status: "fail",
      message: `${path} is first, but the shim refuses it on every call: invalid "logLevel": must be one of debug, info, warn, error, silent`,
    });
  });

  it("finds a missing shim, and one that is not this version's", async () => {
    await rm(join(paths.binDir, "netattach-cni"));
    const missing = await checks();
    expect(missing.code).toBe(1);
    expect(missing.byName.shim).toEqual({
      check: "shim",
      status: "fail",
      message: `${join(paths.binDir, "netattach-cni")} is missing: the runtime cannot run netattach's conflist`,
      fix: `netattachctl install --bin-dir ${paths.binDir} --shim ${paths.shim} (the DaemonSet's init container does this on restart)`,
    });
    await writeFile(join(paths.binDir, "netattach-cni"), "#!/bin/sh\necho old\n", { mode: 0o755 });
    const other = await checks();
    expect(other.byName.shim?.message).toBe(
      `${join(paths.binDir, "netattach-cni")} differs from ${paths.shim} (the shim of this netattach version)`,
    );
  });

  it("says when netattachd cannot be reached and skips what needs it", async () => {
    const { code, byName } = await checks("--socket", join(dir, "nothing.sock"));
    expect(code).toBe(1);
    expect(byName.daemon?.status).toBe("fail");
    expect(byName.daemon?.message).toBe(
      `UNAVAILABLE: cannot reach netattachd at ${join(dir, "nothing.sock")}: connect ENOENT ${join(dir, "nothing.sock")}`,
    );
    expect(byName["stale-state"]).toEqual({
      check: "stale-state",
      status: "skip",
      message: "netattachd is not reachable",
    });
  });

  it("lists saved attachments whose network namespace is gone, with the detach to run", async () => {
    const scratch = await createScratchNetns();
    const netns = scratch.path;
    const attached = await cli(
      "attach",
      "--socket",
      d.socketPath,
      "--pod",
      "default/p1",
      "--container-id",
      "stale1",
      "--netns",
      netns,
    );
    expect(attached.err).toBe("");
    await scratch.close();
    const { byName } = await checks();
    expect(byName["stale-state"]?.status).toBe("warn");
    expect(byName["stale-state"]?.message).toContain(`stale1 (default/p1, netns ${netns} is gone)`);
    expect(byName["stale-state"]?.fix).toBe("netattachctl gc\nnetattachctl detach --container-id stale1");
    await cli("detach", "--socket", d.socketPath, "--container-id", "stale1");
  });

  it("reports saved records it cannot read, by file, in doctor (fail) and in list", async () => {
    const broken = join(dir, "state", "attachments", "broken1.json");
    await writeFile(broken, "");
    try {
      expect(await staleStateFailure()).toEqual({
        message: `1 saved record(s) cannot be read; netattachd leaves them in place and never reconciles them:\n${broken}: not valid JSON`,
        fix: `release what each of these containers holds by hand (its netns; IPAM reservations naming its id under /var/lib/cni/networks), then remove its record:\nrm ${broken}`,
      });
      const list = await cli("list", "--socket", d.socketPath);
      expect(list).toEqual({
        code: 0,
        err: "",
        out: `no attachments\n1 saved record(s) cannot be read; netattachd leaves them in place and never reconciles them (see netattachctl doctor):\n  broken1: ${broken}: not valid JSON\n`,
      });
      const json = JSON.parse((await cli("list", "--socket", d.socketPath, "-o", "json")).out) as unknown;
      expect(json).toEqual({
        attachments: [],
        unreadable: [{ containerId: "broken1", path: broken, problem: "not valid JSON" }],
      });
      // They name no pod: a pod filter leaves them out.
      expect((await cli("list", "--socket", d.socketPath, "--pod", "default/p1")).out).toBe("no attachments\n");
    } finally {
      await rm(broken, { force: true });
    }
  });

  it("says a record a newer netattachd wrote calls for a roll-forward, and never advises removing it", async () => {
    const newer = join(dir, "state", "attachments", "newer1.json");
    await writeFile(newer, JSON.stringify({ version: 2, plan: { containerId: "newer1" } }));
    try {
      expect(await staleStateFailure()).toEqual({
        message: `1 saved record(s) were written by a newer netattachd (this one reads record version 1); netattachd keeps them as they are, never reconciles them, and their pods' DEL fails (CNI 11, retried by the runtime) until it is rolled forward:\n${newer}: record version 2`,
        fix: "roll netattachd forward (the DaemonSet's image) to the release that wrote them or a later one; do not remove these records: their pods' secondary networks would never be released",
      });
      const problem =
        "was written by a newer netattachd (record version 2; this netattachd reads version 1): roll netattachd forward to a release that reads it";
      expect((await cli("list", "--socket", d.socketPath)).out).toBe(
        `no attachments\n1 saved record(s) cannot be read; netattachd leaves them in place and never reconciles them (see netattachctl doctor):\n  newer1: ${newer}: ${problem}\n`,
      );
      const json = JSON.parse((await cli("list", "--socket", d.socketPath, "-o", "json")).out) as unknown;
      expect(json).toEqual({
        attachments: [],
        unreadable: [{ containerId: "newer1", path: newer, problem, recordVersion: 2, readerVersion: 1 }],
      });
      const del = await cli("detach", "--socket", d.socketPath, "--container-id", "newer1");
      expect(del.code).toBe(1);
      expect(del.err).toContain("STATE_TOO_NEW");
      expect(del.err).toContain(`saved attachment ${newer} of container newer1 ${problem}`);
      expect(del.err).not.toContain("corrupt");
      expect(existsSync(newer)).toBe(true);
    } finally {
      await rm(newer, { force: true });
    }
  });

  it("judges host-local reservations no saved attachment owns by the container runtime's own sandbox list", async () => {
    const dataDir = join(dir, "ipam");
    const green = join(dir, "definitions", "green.yaml");
    const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.5.0.0/24" }]] };
    await writeFile(
      green,
      `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: green, namespace: default}\nspec:\n  config: '${JSON.stringify({ cniVersion: "1.0.0", name: "green", type: "noop", ipam })}'\n`,
    );
    await mkdir(join(dataDir, "green"), { recursive: true });
    await writeFile(join(dataDir, "green", "10.5.0.2"), "live1\r\nnet1");
    await writeFile(join(dataDir, "green", "10.5.0.3"), "gone1\r\nnet1");
    const cri = await startFakeCri(join(dir, "cri.sock"));
    cri.sandboxes.add("live1");
    const withCri = join(dir, "netattachd-cri.json");
    const config = JSON.parse(await readFile(configPath, "utf8")) as object;
    await writeFile(withCri, JSON.stringify({ ...config, reconcile: { runtimeSocket: cri.socketPath } }));
    try {
      const r = await cli("doctor", "--config", withCri, "-o", "json");
      const found = (JSON.parse(r.out) as { checks: Check[] }).checks.find((c) => c.check === "ipam-reservations");
      const greenDir = join(dataDir, "green");
      expect(found?.status).toBe("fail");
      expect(found?.message.split("\n").sort()).toEqual([
        `10.5.0.2 in ${greenDir} (network default/green): container live1, interface net1: no saved attachment, but the container runtime lists the sandbox: its DEL will not release this address`,
        `10.5.0.3 in ${greenDir} (network default/green): container gone1, interface net1: no saved attachment, and the container runtime does not list the sandbox`,
        `2 reservation(s) in 1 host-local data dir(s); 2 with no saved attachment (sandboxes as listed by fake-cri 1.0 at unix://${cri.socketPath}):`,
      ]);
      expect(found?.fix?.split("\n").sort()).toEqual([
        `once crictl pods --id live1 lists nothing: rm ${join(greenDir, "10.5.0.2")}`,
        "release each with the plugin's own DEL (or remove the file host-local wrote):",
        `rm ${join(greenDir, "10.5.0.3")}`,
      ]);
      expect(cri.lists).toBe(1);
    } finally {
      await cri.stop();
      await rm(green);
      await rm(dataDir, { recursive: true });
    }
  });

  it("scans the host-local dirs of definitions that live only in the Kubernetes API, and warns when it cannot list them", async () => {
    const dataDir = join(dir, "ipam-api");
    const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.6.0.0/24" }]] };
    const api = await startKubeStandIn();
    const withApi = join(dir, "netattachd-api.json");
    try {
      api.createNad({
        namespace: "default",
        name: "red",
        config: { cniVersion: "1.0.0", name: "red", type: "noop", ipam },
      });
      await mkdir(join(dataDir, "red"), { recursive: true });
      await writeFile(join(dataDir, "red", "10.6.0.2"), "lostapi1\r\nnet1");
      const kubeconfig = await api.writeKubeconfig(dir);
      const config = JSON.parse(await readFile(configPath, "utf8")) as object;
      const kubernetes = { mode: "kubeconfig", kubeconfigPath: kubeconfig, nodeName: "node-a" };
      await writeFile(withApi, JSON.stringify({ ...config, kubernetes }));
      const ipamCheck = async (...extra: string[]): Promise<Check | undefined> => {
        const r = await cli("doctor", "--config", withApi, "-o", "json", ...extra);
        return (JSON.parse(r.out) as { checks: Check[] }).checks.find((c) => c.check === "ipam-reservations");
      };

      const found = await ipamCheck();
      expect(found?.status).toBe("fail");
      expect(found?.message).toContain(
        `10.6.0.2 in ${join(dataDir, "red")} (network default/red): container lostapi1, interface net1: no saved attachment; netattach is the only one`,
      );
      expect(api.count({ verb: "list", resource: "network-attachment-definitions" })).toBe(1);

      // An API server that never answers: a warning naming the kubeconfig, within doctor's deadline.
      api.failNext({ verb: "list", resource: "network-attachment-definitions" }, "hang");
      const started = Date.now();
      const hung = await ipamCheck("--timeout", "3s");
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(hung).toMatchObject({
        status: "warn",
        message: `no configured network uses host-local IPAM\nnetworks defined only in the Kubernetes API were not scanned (all namespaces): cannot list them with kubeconfig ${kubeconfig} (server ${api.url}): no answer within the per-request timeout`,
      });

      // Client settings that cannot be loaded: the same warning, naming the file.
      await rm(kubeconfig);
      const unloadable = await ipamCheck();
      expect(unloadable?.status).toBe("warn");
      expect(unloadable?.message).toContain(
        `networks defined only in the Kubernetes API were not scanned: cannot load Kubernetes client settings from kubeconfig ${kubeconfig}:`,
      );
    } finally {
      await api.close();
      await rm(withApi, { force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it.runIf(isRoot)(
    "probes macvlan, ipvlan and vlan in a throwaway netns and says which this kernel lacks",
    async () => {
      const { byName } = await checks();
      const kernel = byName.kernel?.message ?? "";
      for (const kind of ["macvlan", "ipvlan", "vlan"])
        expect(kernel).toMatch(new RegExp(`^${kind}: (supported|not supported) \\(no network uses it\\)$`, "m"));
      // No configured network uses them here, so a missing kind is information, not a failure.
      expect(byName.kernel?.status).toBe("ok");
    },
  );
});
