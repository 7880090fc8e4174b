// `netattachctl install` on real directories and a real running binary: atomic replace
// (no "text file busy"), idempotence, cluster network detection, --uninstall.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../tools/src/cli.js";
import { CONFLIST_NAME, SHIM_CAPABILITIES } from "../../tools/src/commands/install.js";

let scratch: string;
let binDir: string;
let confDir: string;
let shim: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "na-install-"));
  // Any executable will do as "the shim" here; the real one is installed in the e2e tests.
  shim = join(scratch, "netattach-cni.new");
  await writeFile(shim, "#!/bin/sh\necho new\n", { mode: 0o755 });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  binDir = await mkdtemp(join(scratch, "bin-"));
  confDir = await mkdtemp(join(scratch, "conf-"));
});

afterEach(() => {
  for (const p of running.splice(0)) p.kill("SIGKILL");
});

async function ctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli({
    argv: ["install", "--shim", shim, "--bin-dir", binDir, "--conf-dir", confDir, ...argv],
    env: {},
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd: scratch,
  });
  return { code, out, err };
}

const conflist = async (): Promise<{
  cniVersion: string;
  cniVersions: string[];
  name: string;
  plugins: Record<string, unknown>[];
}> => JSON.parse(await readFile(join(confDir, CONFLIST_NAME), "utf8")) as never;

describe("netattachctl install", () => {
  it("writes the shim and a conflist declaring the runtime's capabilities and the cluster network", async () => {
    await writeFile(
      join(confDir, "20-other.conf"),
      JSON.stringify({ cniVersion: "1.0.0", name: "other", type: "ptp" }),
    );
    await writeFile(
      join(confDir, "10-bridge.conflist"),
      JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge" }] }),
    );
    await writeFile(join(confDir, "README"), "not a config");
    await writeFile(join(confDir, ".05-hidden.conflist"), "{broken");
    const r = await ctl("--socket", "/run/na/na.sock", "--readiness-timeout-ms", "5000");
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(await readFile(join(binDir, "netattach-cni"), "utf8")).toBe("#!/bin/sh\necho new\n");
    expect((await stat(join(binDir, "netattach-cni"))).mode & 0o777).toBe(0o755);
    const c = await conflist();
    expect(c).toMatchObject({ cniVersion: "1.0.0", cniVersions: ["1.0.0", "1.1.0"], name: "netattach" });
    expect(c.plugins).toEqual([
      {
        type: "netattach-cni",
        socketPath: "/run/na/na.sock",
        readinessTimeoutMs: 5000,
        clusterNetwork: "cbr0",
        clusterNetworkFile: "10-bridge.conflist",
        capabilities: Object.fromEntries(SHIM_CAPABILITIES.map((k) => [k, true])),
      },
    ]);
    expect(Object.keys(c.plugins[0]?.capabilities as object)).toEqual([
      "io.kubernetes.cri.pod-annotations",
      "portMappings",
      "bandwidth",
      "ips",
      "mac",
      "dns",
      "cgroupPath",
    ]);
    // Nothing half-written is left behind.
    expect((await readdir(binDir)).sort()).toEqual(["netattach-cni"]);
    expect((await readdir(confDir)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("replaces a shim that is running right now (temp file + rename: no 'text file busy')", async () => {
    const target = join(binDir, "netattach-cni");
    await copyFile("/bin/sleep", target);
    const old = spawn(target, ["30"], { stdio: "ignore" });
    running.push(old);
    await new Promise((r) => old.once("spawn", r));
    // The naive way fails exactly like kubelet/containerd nodes saw with Multus:
    await expect(writeFile(target, "x")).rejects.toMatchObject({ code: "ETXTBSY" });
    const before = (await stat(target)).ino;

    const r = await ctl("--cluster-network", "cbr0");
    expect(r.code).toBe(0);
    expect(await readFile(target, "utf8")).toBe("#!/bin/sh\necho new\n");
    expect((await stat(target)).ino).not.toBe(before);
    expect(old.exitCode).toBeNull();
    expect(old.killed).toBe(false);
  });

  it("is idempotent: a second run changes nothing", async () => {
    await writeFile(
      join(confDir, "10-bridge.conflist"),
      JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge" }] }),
    );
    await ctl();
    const inodes = [(await stat(join(binDir, "netattach-cni"))).ino, (await stat(join(confDir, CONFLIST_NAME))).ino];
    const again = await ctl();
    expect(again.code).toBe(0);
    expect(again.out).toContain("unchanged");
    expect([(await stat(join(binDir, "netattach-cni"))).ino, (await stat(join(confDir, CONFLIST_NAME))).ino]).toEqual(
      inodes,
    );
  });

  it("--cluster-network names the network without looking at the conf dir", async () => {
    expect((await ctl("--cluster-network", "kube-ovn")).code).toBe(0);
    expect((await conflist()).plugins[0]).toMatchObject({ clusterNetwork: "kube-ovn" });
    expect((await conflist()).plugins[0]).not.toHaveProperty("clusterNetworkFile");
  });

  it("refuses to guess when there is no other config, and writes nothing", async () => {
    const r = await ctl();
    expect(r.code).toBe(1);
    expect(r.err).toContain("--cluster-network");
    expect(await readdir(confDir)).toEqual([]);
  });

  it("refuses a first config the runtime could not parse either", async () => {
    await writeFile(join(confDir, "10-broken.conflist"), "{");
    const r = await ctl();
    expect(r.code).toBe(1);
    expect(r.err).toContain("10-broken.conflist");
  });

  it("--uninstall removes both and is idempotent", async () => {
    await ctl("--cluster-network", "cbr0");
    await mkdir(join(confDir, "keep"), { recursive: true });
    expect((await ctl("--uninstall")).code).toBe(0);
    expect(await readdir(binDir)).toEqual([]);
    expect(await readdir(confDir)).toEqual(["keep"]);
    expect((await ctl("--uninstall")).code).toBe(0);
  });

  it("rejects unknown flags as a usage error", async () => {
    expect((await ctl("--frobnicate")).code).toBe(2);
  });

  it.each(["-o", "--timeout", "--client-key"])(
    "refuses the daemon flag %s with the reason, and installs nothing",
    async (flag) => {
      const r = await ctl("--cluster-network", "cbr0", flag, "json");
      const name = flag === "-o" ? "--output" : flag;
      expect(r.code).toBe(2);
      expect(r.err + r.out).toContain(
        `${name} does not apply to install: it writes the shim and its conflist and calls no daemon`,
      );
      expect(await readdir(confDir)).toEqual([]);
      expect(await readdir(binDir)).toEqual([]);
    },
  );
});
