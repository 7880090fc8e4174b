// netattachd as a process (server/src/main.ts): config errors all reported at once, unknown keys
// warned about and ignored (in the log, status and doctor), a typo of a known key refused, --help,
// start on a config file + flags, a second instance refused, SIGTERM → clean exit.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../tools/src/cli.js";
import { pathExists, spawnDaemonProcess, tempDir as makeTempDir, type DaemonProcess } from "../helpers/daemon.js";
import { writeNoopCluster } from "./noop-cluster.test-helper.js";

const procs: DaemonProcess[] = [];
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir("na-main-");
  dirs.push(dir);
  return dir;
}
function daemon(args: string[]): DaemonProcess {
  const p = spawnDaemonProcess(args, { ...process.env, NODE_NAME: "" });
  procs.push(p);
  return p;
}
afterEach(async () => {
  for (const p of procs.splice(0)) p.kill();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function world(): Promise<{ dir: string; config: string; socket: string }> {
  const dir = await tempDir();
  await writeNoopCluster(dir);
  const config = join(dir, "netattachd.yaml");
  // Relative paths are relative to the config file.
  await writeFile(
    config,
    "clusterNetwork: c\ncniConfDir: net.d\ncniBinDirs: [bin]\nstateDir: state\nsocketPath: run/n.sock\nlogLevel: debug\n",
  );
  return { dir, config, socket: join(dir, "run", "n.sock") };
}

describe("netattachd process", () => {
  it("reports every invalid value at once and exits 2 without starting", async () => {
    const dir = await tempDir();
    const config = join(dir, "bad.yaml");
    await writeFile(
      config,
      [
        "socketPath: " + join(dir, "s.sock"),
        "colour: blue",
        "maxConcurrent: -1",
        "cniBinDirs: /usr/lib/cni",
        "logLevel: chatty",
        "kubernetes: {mode: sometimes}",
      ].join("\n"),
    );
    const run = daemon(["--config", config, "--call-timeout-ms", "fast", "--bogus"]);
    expect(await run.exited).toBe(2);
    const lines = run
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("  - "));
    expect(lines).toEqual([
      "  - unknown flag --bogus",
      expect.stringMatching(/^ {2}- maxConcurrent: expected an integer/),
      expect.stringMatching(/^ {2}- cniBinDirs: expected a list/),
      expect.stringMatching(/^ {2}- logLevel: expected one of/),
      expect.stringMatching(/^ {2}- kubernetes\.mode: expected one of none, kubeconfig, in-cluster, got "sometimes"/),
      expect.stringMatching(/^ {2}- callTimeoutMs: expected an integer .*"fast"/),
      expect.stringMatching(/^ {2}- clusterNetwork: required/),
    ]);
    expect(run.stderr()).toContain("invalid configuration (7 problems)");
    // An unknown key is not one of them, but is still said.
    expect(run.stderr()).toContain(
      "netattachd: warning: colour: unknown to this netattachd, ignored (a newer release's key, or a typo)\n",
    );
    expect(await pathExists(join(dir, "s.sock"))).toBe(false);
  });

  it("starts with keys it does not know (a newer release's ConfigMap after an image rollback): one warn line each, then in status and doctor", async () => {
    const w = await world();
    // What `kubectl rollout undo` leaves: the newer release's keys, one of them in a section, one
    // near a key of another section (a hint, not a typo: not its sibling).
    await writeFile(
      w.config,
      (await readFile(w.config, "utf8")) +
        "futureFeature: {enabled: true}\nreconcile: {enabled: false, futureMode: fast}\nkubernetes: {annotation: true}\n",
    );
    const run = daemon(["--config", w.config]);
    await run.listening();
    const expected = [
      "futureFeature: unknown to this netattachd, ignored (a newer release's key, or a typo)",
      "reconcile.futureMode: unknown to this netattachd, ignored (a newer release's key, or a typo)",
      "kubernetes.annotation: unknown to this netattachd, ignored (a newer release's key, or a typo): did you mean hotplug.annotations?",
    ];
    const warns = run
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"configKey"'))
      .map((l) => JSON.parse(l) as { level: number; configKey: string; msg: string });
    expect(warns).toEqual([
      expect.objectContaining({ level: 40, configKey: "futureFeature", msg: expected[0] }),
      expect.objectContaining({ level: 40, configKey: "reconcile.futureMode", msg: expected[1] }),
      expect.objectContaining({ level: 40, configKey: "kubernetes.annotation", msg: expected[2] }),
    ]);
    // The known key next to an unknown one is applied; the unknown ones are not carried.
    const loaded = run
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"msg":"configuration loaded"'))
      .map((l) => (JSON.parse(l) as { config: Record<string, unknown> }).config);
    expect(loaded).toEqual([expect.objectContaining({ reconcile: expect.objectContaining({ enabled: false }) })]);
    expect(loaded[0]).not.toHaveProperty("futureFeature");
    expect(loaded[0]?.reconcile).not.toHaveProperty("futureMode");

    const ctl = async (...argv: string[]): Promise<{ code: number; out: string }> => {
      let out = "";
      const code = await runCli({
        argv,
        env: {},
        cwd: w.dir,
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: (s: string) => (out += s) },
      });
      return { code, out };
    };
    const text = await ctl("status", "--socket", w.socket);
    expect(text.code).toBe(0);
    expect(text.out.split("\n").filter((l) => l.startsWith("warning: "))).toEqual(expected.map((e) => `warning: ${e}`));
    const json = await ctl("status", "--socket", w.socket, "-o", "json");
    expect((JSON.parse(json.out) as { warnings: string[] }).warnings).toEqual(expected);

    const configCheck = async (socket: string): Promise<unknown> => {
      const r = await ctl("doctor", "--config", w.config, "--socket", socket, "-o", "json");
      return (JSON.parse(r.out) as { checks: { check: string }[] }).checks.find((c) => c.check === "config");
    };
    const fix = expect.stringContaining("roll the ConfigMap netattach-config back");
    expect(await configCheck(w.socket)).toEqual({
      check: "config",
      status: "warn",
      message: [`netattachd on ${w.socket}: 3 warning(s):`, ...expected].join("\n"),
      fix,
    });
    // Daemon away: doctor reads the file by the same rule.
    const away = join(w.dir, "away.sock");
    expect(await configCheck(away)).toEqual({
      check: "config",
      status: "warn",
      message: [`${w.config} (netattachd is not reachable): 3 warning(s):`, ...expected].join("\n"),
      fix,
    });
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("refuses a typo of a known key (exit 2, naming the key it resembles): ignored, namespaceIsolaton would leave isolation off", async () => {
    for (const [typo, known] of [
      ["namespaceIsolaton: true", "namespaceIsolation"],
      ["confDirFalback: none", "confDirFallback"],
    ] as const) {
      const w = await world();
      await writeFile(w.config, (await readFile(w.config, "utf8")) + `${typo}\nfutureFeature: true\n`);
      const run = daemon(["--config", w.config]);
      expect(await run.exited).toBe(2);
      const key = typo.slice(0, typo.indexOf(":"));
      expect(run.stderr()).toContain(
        `invalid configuration (1 problem):\n  - ${key}: unknown key, refused as a likely typo (ignoring it would silently leave its value unapplied): did you mean ${known}?\n`,
      );
      // The key a newer release added beside it is still only a warning.
      expect(run.stderr()).toContain("netattachd: warning: futureFeature: unknown to this netattachd, ignored");
      expect(await pathExists(w.socket)).toBe(false);
      // doctor reads the file by the same rule, and refuses it too.
      let out = "";
      const write = { write: (s: string) => (out += s) };
      const code = await runCli({
        argv: ["doctor", "--config", w.config, "--socket", join(w.dir, "away.sock")],
        env: {},
        cwd: w.dir,
        stdout: write,
        stderr: write,
      });
      expect(code).not.toBe(0);
      expect(out).toContain(`${key}: unknown key, refused as a likely typo`);
      expect(out).toContain(`did you mean ${known}?`);
    }
  });

  it("--help prints the flags and exits 0", async () => {
    const run = daemon(["--help"]);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain("--socket");
    expect(run.stdout()).toContain("--cluster-network");
  });

  it("starts from a config file, serves netattachctl, refuses a second instance, stops on SIGTERM", async () => {
    const w = await world();
    const run = daemon(["--config", w.config]);
    await run.waitFor("the socket", () => pathExists(w.socket));
    await run.listening();

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli({
      argv: ["status", "--socket", w.socket],
      env: {},
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    });
    expect(err.join("")).toBe("");
    expect(out.join("")).toContain("ready: yes");
    expect(code).toBe(0);

    const second = daemon(["--config", w.config]);
    expect(await second.exited).toBe(1);
    // The first one's stateDir lock refuses it before the socket is looked at.
    expect(second.stdout()).toContain(
      `stateDir ${join(w.dir, "state")} is in use by another netattachd (pid ${run.child.pid}, serving on ${w.socket})`,
    );

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('"msg":"netattachd stopped"');
    expect(await pathExists(w.socket)).toBe(false);
    // Every log line is JSON.
    for (const line of run.stdout().split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("logs SIGHUP and keeps serving (no config reload), then stops on SIGTERM", async () => {
    const w = await world();
    const run = daemon(["--config", w.config]);
    await run.listening();
    run.child.kill("SIGHUP");
    await run.waitFor("the SIGHUP log line", () =>
      run.stdout().includes('"msg":"SIGHUP ignored: netattachd has no config reload; restart it to apply changes"'),
    );
    const out: string[] = [];
    const code = await runCli({
      argv: ["status", "--socket", w.socket],
      env: {},
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: () => undefined },
    });
    expect([code, out.join("")]).toEqual([0, expect.stringContaining("ready: yes")]);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(await pathExists(w.socket)).toBe(false);
  });

  it("refuses a stateDir that is a regular file with one line naming the key, no stack trace", async () => {
    const w = await world();
    await writeFile(join(w.dir, "state"), "a file");
    const run = daemon(["--config", w.config]);
    expect(await run.exited).toBe(1);
    const fatal = run
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"level":60'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(fatal).toEqual([
      expect.objectContaining({
        code: "STATE_DIR_INVALID",
        msg: `stateDir ${join(w.dir, "state")}: not a directory (or a parent of it is a file)`,
      }),
    ]);
    expect(run.stdout()).not.toContain('"stack"');
    expect(await pathExists(w.socket)).toBe(false);
  });

  it("warns once, naming the key, when definitionsDir cannot be listed, and starts", async () => {
    const w = await world();
    const missing = join(w.dir, "no-such-defs");
    const run = daemon(["--config", w.config, "--definitions-dir", missing]);
    await run.listening();
    const warns = run
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"definitionsDir"') && l.includes('"level":40'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(warns).toEqual([
      `definitionsDir ${missing} does not exist: no network definitions from it until it can be listed`,
    ]);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("flags override the file", async () => {
    const w = await world();
    const socket = join(w.dir, "flag.sock");
    const run = daemon(["--config", w.config, "--socket", socket, "--log-level", "warn"]);
    await run.waitFor("the flag's socket", () => pathExists(socket));
    expect(await pathExists(w.socket)).toBe(false);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    // warn level: the info lines are not logged.
    expect(run.stdout()).not.toContain("netattachd listening");
  });
});
