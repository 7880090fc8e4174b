// `netattachctl install` on real directories and a real running binary: atomic replace
// (no "text file busy"), idempotence, cluster network detection, --uninstall.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../tools/src/cli.js";
import { CONFLIST_NAME, SHIM_CAPABILITIES } from "../../tools/src/commands/install.js";
import { REPO_ROOT } from "../helpers/netattachctl.js";

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
    // --uninstall reads a state dir: the scratch one (absent unless a test makes it), never the machine's own.
    argv: [
      "install",
      "--shim",
      shim,
      "--bin-dir",
      binDir,
      "--conf-dir",
      confDir,
      "--state-dir",
      join(scratch, "state"),
      ...argv,
    ],
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
    // An empty state dir (a netattachd that saved nothing): a missing one is refused while installed.
    await mkdir(join(scratch, "state"));
    try {
      expect((await ctl("--uninstall")).code).toBe(0);
      expect(await readdir(binDir)).toEqual([]);
      expect(await readdir(confDir)).toEqual(["keep"]);
      expect((await ctl("--uninstall")).code).toBe(0);
    } finally {
      await rm(join(scratch, "state"), { recursive: true });
    }
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

  it.each([
    ["--log-level", "verbose", "must be one of debug, info, warn, error, silent"],
    ["--cni-version", "banana", "incompatible CNI versions"],
    ["--cni-version", "0.2.0", "incompatible CNI versions"],
    ["--readiness-timeout-ms", "99999999999", "must be a number of milliseconds from 0 to 2147483647"],
    ["--readiness-timeout-ms", "", "must be a number of milliseconds"],
    ["--readiness-timeout-ms", "soon", "must be a number of milliseconds"],
    ["--log-file", "", "must be a non-empty string"],
    ["--log-file", "/dev/stdout", "must not be stdout, which carries only the CNI result or error"],
    ["--socket", "", "must be a non-empty string"],
  ])(
    "refuses %s %j as the shim would (usage error naming the flag), and installs nothing",
    async (flag, value, why) => {
      const r = await ctl("--cluster-network", "cbr0", `${flag}=${value}`);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`netattachctl install: ${flag} ${JSON.stringify(value)}: ${why}`);
      expect(await readdir(confDir)).toEqual([]);
      expect(await readdir(binDir)).toEqual([]);
    },
  );

  it("refuses, writing nothing, when another config sorts first: the runtime would never call the shim", async () => {
    await writeFile(
      join(confDir, "00-multus.conf"),
      JSON.stringify({ cniVersion: "1.0.0", name: "multus", type: "multus" }),
    );
    const r = await ctl("--cluster-network", "cbr0");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `00-multus.conf sorts before ${CONFLIST_NAME} in ${confDir}: the runtime uses 00-multus.conf and pods never reach netattach; nothing installed`,
    );
    expect(r.err).toContain(`fix: move ${join(confDir, "00-multus.conf")} out of ${confDir}`);
    expect(await readdir(confDir)).toEqual(["00-multus.conf"]);
    expect(await readdir(binDir)).toEqual([]);
  });

  it("a missing --conf-dir is named, and nothing is installed", async () => {
    const missing = join(confDir, "nonexist");
    const r = await ctl("--cluster-network", "cbr0", "--conf-dir", missing);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`netattachctl install: --conf-dir ${missing}: no such directory\n`);
    expect(await readdir(binDir)).toEqual([]);
  });

  it("--uninstall says what was not there instead of claiming to remove it", async () => {
    const r = await ctl("--uninstall");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `${join(confDir, CONFLIST_NAME)} was not there\n${join(binDir, "netattach-cni")} was not there\n`,
    );
  });

  it("removes its temp file when a write fails half-way, and names the file it was writing", async () => {
    const big = join(scratch, "big-shim");
    await writeFile(big, Buffer.alloc(1024 * 1024), { mode: 0o755 });
    // A file size limit makes write(2) fail with EFBIG (node ignores SIGXFSZ), as a full disk does with ENOSPC.
    const main = join(REPO_ROOT, "tools/src/main.ts");
    const args = ["install", "--shim", big, "--bin-dir", binDir, "--conf-dir", confDir, "--cluster-network", "cbr0"];
    const r = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        "sh",
        ["-c", 'ulimit -f 64 && exec "$0" "$@"', process.execPath, "--import", "tsx", main, ...args],
        { cwd: REPO_ROOT },
        (err, _stdout, stderr) => done({ code: err === null ? 0 : Number(err.code), stderr }),
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`netattachctl install: cannot write ${join(binDir, "netattach-cni")}: EFBIG`);
    expect(await readdir(binDir)).toEqual([]);
    expect(await readdir(confDir)).toEqual([]);
  });
});
