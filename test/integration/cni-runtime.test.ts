// The runtime over the real exec seam and real test-double plugin processes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createCniRuntime,
  createSpawnExec,
  loadNetworkConfigFile,
  parseNetworkConfigList,
  type CniRuntime,
  type RuntimeEvent,
} from "../../server/src/cni/index.js";
import { createPluginBin, isGone, PLUGIN_PATH, waitFor, type PluginBin } from "../fixtures/plugins/plugin-bin.js";

let bin: PluginBin;
let work: string;
let events: RuntimeEvent[];
let runtime: CniRuntime;
beforeEach(() => {
  bin = createPluginBin();
  work = mkdtempSync(join(tmpdir(), "cni-rt-int-"));
  events = [];
  runtime = createCniRuntime({
    exec: createSpawnExec(),
    binDirs: [bin.dir],
    cacheDir: join(work, "cache"),
    pluginTimeoutMs: 10_000,
    path: PLUGIN_PATH,
    onEvent: (e) => events.push(e),
  });
});
afterEach(() => {
  bin.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const RT = {
  containerId: "ctr-1",
  netns: "/run/netns/ctr-1",
  ifName: "eth0",
  args: [["K8S_POD_NAME", "web"]] as const,
  capabilityArgs: { portMappings: [{ HostPort: 80, ContainerPort: 8080, Protocol: "tcp" }] },
};

describe.each(["0.3.1", "0.4.0", "1.0.0", "1.1.0"])("a three-plugin chain at %s", (version) => {
  it("ADDs in order, chains prevResult, CHECKs, DELs in reverse and forgets the attachment", async () => {
    const debugFile = join(work, "log");
    bin.noop("first");
    bin.noopSupporting("second", ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]);
    bin.noop("third");
    const list = parseNetworkConfigList({
      cniVersion: version,
      name: "chain",
      plugins: [
        {
          type: "first",
          debugFile,
          noop: {
            ADD: {
              result: {
                cniVersion: version.startsWith("0.") ? "0.3.1" : "1.0.0",
                ips: [{ ...(version.startsWith("0.") ? { version: "4" } : {}), address: "10.7.0.2/24" }],
              },
            },
          },
        },
        { type: "second", debugFile },
        { type: "third", debugFile, capabilities: { portMappings: true } },
      ],
    });
    const result = await runtime.addNetworkList(list, RT);
    expect(result).toMatchObject({ cniVersion: version, ips: [{ address: "10.7.0.2/24" }] });
    if (version !== "0.3.1") await runtime.checkNetworkList(list, RT);
    await runtime.delNetworkList(list, RT);

    const log = bin.log(debugFile);
    const checks = version === "0.3.1" ? [] : ["CHECK first", "CHECK second", "CHECK third"];
    expect(log.map((l) => `${l.command} ${String(l.stdin.type)}`)).toEqual([
      "ADD first",
      "ADD second",
      "ADD third",
      ...checks,
      "DEL third",
      "DEL second",
      "DEL first",
    ]);
    const secondVersion = version === "1.1.0" ? "1.0.0" : version;
    const [add1, add2, add3] = log;
    expect(add1!.stdin).not.toHaveProperty("prevResult");
    expect(add2!.stdin).toMatchObject({
      cniVersion: secondVersion,
      name: "chain",
      prevResult: { cniVersion: secondVersion, ips: [{ address: "10.7.0.2/24" }] },
    });
    expect(add3!.stdin).toMatchObject({
      cniVersion: version,
      prevResult: { cniVersion: version },
      runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: "tcp" }] },
    });
    expect(add3!.env).toMatchObject({
      CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web",
      CNI_PATH: bin.dir,
      CNI_CONTAINERID: "ctr-1",
    });
    const delFirst = log[log.length - 1]!;
    if (version === "0.3.1") expect(delFirst.stdin).not.toHaveProperty("prevResult");
    else expect(delFirst.stdin.prevResult).toEqual(result);
    expect(existsSync(join(work, "cache", "results", "chain-ctr-1-eth0"))).toBe(false);
    await expect(runtime.getCachedAttachments("chain")).resolves.toEqual([]);
    await runtime.delNetworkList(list, { ...RT, netns: "" }); // a second DEL succeeds
  });
});

describe("runtime errors from real plugins", () => {
  it("a failing plugin's code, msg and stderr come back naming network and plugin", async () => {
    bin.noop("bad");
    const list = parseNetworkConfigList({
      cniVersion: "1.0.0",
      name: "n1",
      plugins: [
        { type: "bad", noop: { ADD: { error: { code: 104, msg: "no such master" }, stderr: "looking up eth9\n" } } },
      ],
    });
    const err = await runtime.addNetworkList(list, RT).catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 104,
      msg: "no such master",
      plugin: "bad",
      network: "n1",
      command: "ADD",
      stderr: "looking up eth9\n",
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: "exec", command: "ADD", plugin: "bad", ok: false, stderr: "looking up eth9\n" }),
    );
    expect(existsSync(join(work, "cache", "results", "n1-ctr-1-eth0"))).toBe(false);
  });

  it("a hanging plugin is killed at the deadline with a timeout naming network and plugin", async () => {
    bin.sleep("hang");
    const pidFile = join(work, "pids");
    const list = parseNetworkConfigList({ cniVersion: "1.0.0", name: "n2", plugins: [{ type: "hang", pidFile }] });
    // 3 s: the node plugin must have started and written its pids before the deadline, also under load.
    const err = await runtime.addNetworkList(list, RT, { pluginTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "timeout", code: 11, plugin: "hang", network: "n2", command: "ADD" });
    const { pid, childPid } = JSON.parse(readFileSync(pidFile, "utf8")) as { pid: number; childPid: number };
    await waitFor(() => isGone(pid) && isGone(childPid));
  });

  it("a missing plugin is reported with the directories searched, before anything runs", async () => {
    const debugFile = join(work, "log");
    bin.noop("ok");
    const list = parseNetworkConfigList({
      cniVersion: "1.0.0",
      name: "n3",
      plugins: [{ type: "ok", debugFile }, { type: "ghost" }],
    });
    const err = await runtime.addNetworkList(list, RT).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "plugin-not-found", code: 7, plugin: "ghost", network: "n3" });
    expect((err as Error).message).toContain(`[${bin.dir}]`);
    expect(bin.log(debugFile)).toEqual([]);
  });

  it("a malformed configuration file is reported by name", async () => {
    const file = join(work, "10-broken.conflist");
    writeFileSync(file, '{"cniVersion": "1.0.0", "name": "x", "plugins": [{"type": "a"},]}');
    const err = await loadNetworkConfigFile(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "invalid-config", code: 6, source: file });
    expect((err as Error).message).toContain(file);
    writeFileSync(file, '{"cniVersion": "1.0.0", "name": "x", "plugins": [{"ipam": {}}]}');
    await expect(loadNetworkConfigFile(file)).rejects.toMatchObject({
      code: 7,
      message: expect.stringContaining(file),
    });
  });

  it("STATUS and GC at 1.1.0 reach plugins that support 1.1.0 and skip those that do not", async () => {
    const debugFile = join(work, "log");
    bin.noop("modern");
    bin.noopSupporting("debian", ["0.3.1", "0.4.0", "1.0.0"]);
    const list = parseNetworkConfigList({
      cniVersion: "1.1.0",
      name: "n4",
      plugins: [
        { type: "debian", debugFile },
        { type: "modern", debugFile },
      ],
    });
    await runtime.addNetworkList(list, RT);
    await runtime.getStatusNetworkList(list);
    await runtime.gcNetworkList(list, { validAttachments: [] });
    expect(bin.log(debugFile).map((l) => `${l.command} ${String(l.stdin.type)}`)).toEqual([
      "ADD debian",
      "ADD modern",
      "STATUS modern",
      "DEL modern",
      "DEL debian",
      "GC modern",
    ]);
    const gc = bin.log(debugFile).at(-1)!;
    expect(gc.stdin).toMatchObject({ "cni.dev/valid-attachments": [], "cni.dev/attachments": [] });
    expect(gc.env).toMatchObject({ CNI_COMMAND: "GC", CNI_PATH: bin.dir, CNI_CONTAINERID: "" });
    expect(
      events
        .filter((e) => e.type === "plugin-skipped")
        .map((e) => e.type === "plugin-skipped" && `${e.command} ${e.plugin}`),
    ).toEqual(["STATUS debian", "GC debian"]);
  });

  it("getVersionInfo asks the real binary", async () => {
    bin.noopSupporting("v", ["0.4.0", "1.0.0"]);
    await expect(runtime.getVersionInfo("v")).resolves.toEqual({
      cniVersion: "1.1.0",
      supportedVersions: ["0.4.0", "1.0.0"],
    });
  });
});
