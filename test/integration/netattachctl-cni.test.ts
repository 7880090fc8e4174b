// `netattachctl cni` as a process: the test-double plugins in test/fixtures/plugins record
// what they receive, so every flag is checked where it lands (env, stdin), plus exit codes
// and the spec error object on stdout. No root: the noop plugin never enters the netns.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { cnitoolContainerId } from "../../tools/src/cni/cni-options.js";
import { REPO_ROOT, runNetattachctl } from "../helpers/netattachctl.js";

const PLUGINS = fileURLToPath(new URL("../fixtures/plugins/", import.meta.url));

interface Call {
  command: string;
  env: Record<string, string>;
  stdin: Record<string, unknown>;
}

describe("netattachctl cni (spawned, with test-double plugins)", () => {
  let dir: string;
  let debugFile: string;
  let confDir: string;
  let cacheDir: string;
  const netns = "/var/run/netns/h3-ctl-not-entered";
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netattach-h3-ctl-"));
    confDir = join(dir, "net.d");
    cacheDir = join(dir, "cache");
    debugFile = join(dir, "calls.jsonl");
    await mkdir(confDir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh conflist of noop plugins; `noop` is passed to every plugin entry. */
  async function conflist(
    opts: { plugins?: Array<Record<string, unknown>>; cniVersion?: string; file?: string } = {},
  ): Promise<{ path: string; name: string }> {
    const name = `h3ctl${++n}`;
    const plugins = opts.plugins ?? [{ type: "noop.mjs", debugFile, capabilities: { portMappings: true } }];
    const path = join(opts.file === undefined ? dir : confDir, opts.file ?? `${name}.conflist`);
    await writeFile(path, JSON.stringify({ cniVersion: opts.cniVersion ?? "1.1.0", name, plugins }));
    return { path, name };
  }

  async function calls(network: string): Promise<Call[]> {
    const text = await readFile(debugFile, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Call)
      .filter((c) => c.stdin.name === network);
  }

  const common = () => ["--bin-dir", PLUGINS, "--cache-dir", cacheDir];

  it("prints the command list on --help (exit 0) and the cni usage on cni --help", async () => {
    const top = await runNetattachctl(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^ {2}cni {2}/m);
    const cni = await runNetattachctl(["cni", "--help"]);
    expect(cni.code).toBe(0);
    expect(cni.stdout).toContain("netattachctl cni add     <network|file> <netns-path>");
  });

  it.each([
    [["cni"], "missing operation"],
    [["cni", "frob", "x"], 'unknown operation "frob"'],
    [["cni", "add", "net"], "missing netns path"],
    [["cni", "add", "net", "/ns", "--timeout", "soon"], '--timeout "soon"'],
    [["cni", "add", "net", "/ns", "--no-such-flag"], "no-such-flag"],
    [["nope"], 'unknown command "nope"'],
  ])("%j is a usage error: exit 2, message on stderr, nothing on stdout", async (args, message) => {
    const r = await runNetattachctl(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
  });

  it("add from a file: result on stdout; container id, ifname, CNI_ARGS, CNI_PATH and runtimeConfig reach the plugin", async () => {
    const { path, name } = await conflist();
    const r = await runNetattachctl([
      "cni",
      "add",
      path,
      netns,
      ...common(),
      "--ifname",
      "net1",
      "--cni-args",
      "K8S_POD_NAME=pod-a;K8S_POD_NAMESPACE=ns-a",
      "--cap-args",
      JSON.stringify({
        portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
        bandwidth: { ingressRate: 1 },
      }),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "net1", sandbox: netns }],
      ips: [{ address: "10.1.2.3/24", gateway: "10.1.2.1", interface: 0 }],
    });
    const [add] = (await calls(name)).filter((c) => c.command === "ADD");
    expect(add?.env).toMatchObject({
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: cnitoolContainerId(netns),
      CNI_NETNS: netns,
      CNI_IFNAME: "net1",
      CNI_PATH: PLUGINS.replace(/\/$/, ""),
    });
    expect(add?.env.CNI_ARGS?.split(";").sort()).toEqual([
      "IgnoreUnknown=1",
      "K8S_POD_NAME=pod-a",
      "K8S_POD_NAMESPACE=ns-a",
    ]);
    // only the declared capability is passed
    expect(add?.stdin.runtimeConfig).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    });
    expect(add?.stdin).toMatchObject({ name, cniVersion: "1.1.0" });
  });

  it("add/check/del by network name in --conf-dir, a relative file path, and DEL twice", async () => {
    const { path, name } = await conflist({ file: "by-name.conflist" });
    const byName = ["cni", "add", name, netns, ...common(), "--conf-dir", confDir];
    const added = await runNetattachctl(byName);
    expect(added.code).toBe(0);
    const check = await runNetattachctl(["cni", "check", relative(REPO_ROOT, path), netns, ...common()]);
    expect(check).toMatchObject({ code: 0, stdout: "" });
    const del = await runNetattachctl(["cni", "del", name, netns, ...common(), "--conf-dir", confDir]);
    expect(del).toMatchObject({ code: 0, stdout: "" });
    const again = await runNetattachctl(["cni", "del", name, netns, ...common(), "--conf-dir", confDir]);
    expect(again).toMatchObject({ code: 0, stdout: "" });

    const seen = await calls(name);
    expect(seen.map((c) => c.command)).toEqual(["ADD", "CHECK", "DEL", "DEL"]);
    const addResult = JSON.parse(added.stdout) as unknown;
    expect(seen[1]?.stdin.prevResult).toEqual(addResult);
    expect(seen[2]?.stdin.prevResult).toEqual(addResult);
    expect(seen[3]?.stdin.prevResult).toBeUndefined();
  });

  it("del without a netns uses --container-id and an empty CNI_NETNS", async () => {
    const { path, name } = await conflist();
    const r = await runNetattachctl(["cni", "del", path, ...common(), "--container-id", "ctr-1"]);
    expect(r.code).toBe(0);
    expect((await calls(name))[0]?.env).toMatchObject({ CNI_COMMAND: "DEL", CNI_CONTAINERID: "ctr-1", CNI_NETNS: "" });
  });

  it("a failing plugin: exit 1, its own error object on stdout, plugin and stderr on stderr", async () => {
    const { path } = await conflist({
      plugins: [
        {
          type: "noop.mjs",
          noop: {
            ADD: {
              error: { code: 142, msg: "noop refuses", details: "on purpose" },
              stderr: "noop: about to refuse\n",
            },
          },
        },
      ],
    });
    const r = await runNetattachctl(["cni", "add", path, netns, ...common()]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      cniVersion: "1.1.0",
      code: 142,
      msg: "noop refuses",
      details: "on purpose",
    });
    expect(r.stderr).toContain('plugin "noop.mjs"');
    expect(r.stderr).toContain("noop: about to refuse");
  });

  it("a missing plugin: exit 1, code 7, the plugin and the directories named", async () => {
    const { path } = await conflist({ plugins: [{ type: "netattach-no-such-plugin" }] });
    const r = await runNetattachctl(["cni", "add", path, netns, ...common()]);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stdout) as { code: number; msg: string };
    expect(err.code).toBe(7);
    expect(err.msg).toContain("netattach-no-such-plugin");
    expect(err.msg).toContain(PLUGINS.replace(/\/$/, ""));
  });

  it("a malformed file: exit 1, a decode/config error naming the file; an unknown network name: exit 1", async () => {
    const bad = join(dir, "bad.conflist");
    await writeFile(bad, '{"cniVersion": "1.0.0", "name": "x", "plugins": [');
    const r = await runNetattachctl(["cni", "add", bad, netns, ...common()]);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stdout) as { cniVersion: string; code: number; msg: string };
    // no list could be read: the error object uses the newest spec version
    expect(err).toMatchObject({ cniVersion: "1.1.0", code: 6 });
    expect(`${err.msg} ${r.stderr}`).toContain(bad);

    const unknown = await runNetattachctl(["cni", "add", "no-such-network", netns, ...common(), "--conf-dir", confDir]);
    expect(unknown.code).toBe(1);
    expect((JSON.parse(unknown.stdout) as { code: number }).code).toBe(7);
  });

  it("version prints the plugin's VERSION answer", async () => {
    const r = await runNetattachctl(["cni", "version", "noop.mjs", ...common()]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      supportedVersions: expect.arrayContaining(["0.3.1", "1.0.0", "1.1.0"]),
    });
  });

  it("takes -o before or after cni: json prints the document as cnitool does, yaml as YAML, the error object too", async () => {
    const json = await runNetattachctl(["-o", "json", "cni", "version", "noop.mjs", ...common()]);
    expect(json).toMatchObject({ code: 0, stderr: "" });
    const plain = await runNetattachctl(["cni", "version", "noop.mjs", ...common()]);
    expect(json.stdout).toBe(plain.stdout);
    const yaml = await runNetattachctl(["cni", "version", "noop.mjs", ...common(), "-o", "yaml"]);
    expect(yaml).toMatchObject({ code: 0, stderr: "" });
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(plain.stdout));
    const failed = await runNetattachctl(["-oyaml", "cni", "version", "netattach-no-such-plugin", ...common()]);
    expect(failed.code).toBe(1);
    expect(parseYaml(failed.stdout)).toMatchObject({ cniVersion: "1.1.0", code: 7 });
  });

  it.each([
    [["--socket", "/s", "cni", "version", "noop.mjs"], "--socket"],
    [["cni", "version", "noop.mjs", "--client-key=/k"], "--client-key"],
  ])("%j: a daemon-only flag is refused with the reason, exit 2", async (args, flag) => {
    const r = await runNetattachctl(args);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: `netattachctl cni: ${flag} does not apply to cni: it runs the plugins itself, without netattachd\n(run "netattachctl cni --help")\n`,
    });
  });

  it("status: exit 0 when ready; exit 1 with the plugin's code 50 when not", async () => {
    const ok = await conflist();
    expect(await runNetattachctl(["cni", "status", ok.path, ...common()])).toMatchObject({ code: 0, stdout: "" });
    const down = await conflist({
      plugins: [{ type: "noop.mjs", noop: { STATUS: { error: { code: 50, msg: "not ready" } } } }],
    });
    const r = await runNetattachctl(["cni", "status", down.path, ...common()]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ cniVersion: "1.1.0", code: 50, msg: "not ready" });
  });

  it("gc sends the --valid attachments to the plugin", async () => {
    const { path, name } = await conflist();
    const r = await runNetattachctl(["cni", "gc", path, ...common(), "--valid", "ctr-1:eth0", "--valid", "ctr-2:net1"]);
    expect(r.code).toBe(0);
    const gc = (await calls(name)).find((c) => c.command === "GC");
    expect(gc?.stdin["cni.dev/valid-attachments"]).toEqual([
      { containerID: "ctr-1", ifname: "eth0" },
      { containerID: "ctr-2", ifname: "net1" },
    ]);
  });

  it("a plugin that hangs is killed at --timeout: exit 1 with code 11", async () => {
    const pidFile = join(dir, "sleep.pid");
    const { path } = await conflist({ plugins: [{ type: "sleep.mjs", pidFile }] });
    const r = await runNetattachctl(["cni", "add", path, netns, ...common(), "--timeout", "1s"]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { code: number }).code).toBe(11);
    expect(r.stderr).toContain('plugin "sleep.mjs"');
  });
});
