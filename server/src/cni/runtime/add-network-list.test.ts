import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { pluginFailure, sampleResult } from "./fake-plugin-exec.test-helper.js";
import { cachePath, list, RT, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("addNetworkList", () => {
  it("injects name and cniVersion, keeps unknown keys, drops cni.dev/* and capabilities", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.0.0", [
      {
        type: "bridge",
        bridge: "br0",
        ipam: { type: "host-local" },
        "cni.dev/valid-attachments": [],
        capabilities: { mac: true },
      },
    ]);
    await runtime.addNetworkList(conf, RT);
    const add = exec.calls.find((c) => c.command === "ADD")!;
    expect(add.stdin).toEqual({
      type: "bridge",
      bridge: "br0",
      ipam: { type: "host-local" },
      cniVersion: "1.0.0",
      name: "net1",
    });
  });

  it("sets every CNI_* variable, CNI_ARGS with IgnoreUnknown=1, CNI_PATH and PATH", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), {
      ...RT,
      args: [
        ["K8S_POD_NAME", "web"],
        ["K8S_POD_NAMESPACE", "ns"],
      ],
    });
    const add = exec.calls.find((c) => c.command === "ADD")!;
    expect(add.path).toBe("/fake/bin/bridge");
    expect(add.env).toEqual({
      PATH: "/usr/bin:/bin",
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "ctr1",
      CNI_NETNS: "/run/netns/ctr1",
      CNI_IFNAME: "eth0",
      CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web;K8S_POD_NAMESPACE=ns",
      CNI_PATH: "/fake/bin:/other/bin",
    });
    expect(add.timeoutMs).toBe(5000);
  });

  it("passes runtimeConfig only for declared capabilities, matching containerd's casing", async () => {
    const { runtime, exec } = setup({ bridge: {}, portmap: {} });
    const conf = list("1.0.0", [
      { type: "bridge" },
      { type: "portmap", capabilities: { portMappings: true, bandwidth: false } },
    ]);
    const capabilityArgs = {
      PortMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: "tcp", HostIP: "" }],
      bandwidth: { IngressRate: 1 },
      mac: "c2:11:22:33:44:55",
    };
    await runtime.addNetworkList(conf, { ...RT, capabilityArgs });
    const [bridge, portmap] = exec.calls.filter((c) => c.command === "ADD");
    expect(bridge!.stdin).not.toHaveProperty("runtimeConfig");
    expect(portmap!.stdin.runtimeConfig).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "" }],
    });
  });

  it("chains each result into the next plugin's prevResult, converted to that plugin's version", async () => {
    const { runtime, exec } = setup({
      // Answers in 0.3.1 although asked for 0.4.0: the next plugin still gets 0.4.0.
      old: {
        reply: (c) => (c.command === "ADD" ? { stdout: sampleResult("0.3.1", "eth0", "10.9.9.9/24") } : undefined),
      },
      tuning: {},
    });
    const result = await runtime.addNetworkList(list("0.4.0", [{ type: "old" }, { type: "tuning" }]), RT);
    const tuning = exec.calls.find((c) => c.command === "ADD" && c.pluginType === "tuning")!;
    expect(tuning.stdin.prevResult).toMatchObject({
      cniVersion: "0.4.0",
      ips: [{ version: "4", address: "10.9.9.9/24" }],
    });
    expect(result).toMatchObject({ cniVersion: "0.4.0", ips: [{ address: "10.9.9.9/24" }] });
  });

  it("gives the first plugin no prevResult, even if its config carries one", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await runtime.addNetworkList(list("1.0.0", [{ type: "bridge", prevResult: sampleResult("1.0.0") }]), RT);
    expect(exec.calls.find((c) => c.command === "ADD")!.stdin).not.toHaveProperty("prevResult");
  });

  it("stops at the first error: later plugins do not run and nothing is cached", async () => {
    const { runtime, exec, cacheDir } = setup({
      a: {},
      b: {
        reply: (c) =>
          c.command === "ADD" ? { error: pluginFailure("b", "ADD", 107, "no space"), stderr: "b failed\n" } : undefined,
      },
      c: {},
    });
    const err = await runtime
      .addNetworkList(list("1.0.0", [{ type: "a" }, { type: "b" }, { type: "c" }]), RT)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 107,
      msg: "no space",
      plugin: "b",
      network: "net1",
      command: "ADD",
      source: "/etc/cni/net.d/10-net1.conflist",
    });
    expect(exec.trace()).toEqual(["ADD a", "ADD b"]);
    expect(() => readFileSync(cachePath(cacheDir))).toThrow(/ENOENT/);
    expect(readdirSync(join(cacheDir, "results"))).toEqual([]); // the temp file started for the record is gone too
  });

  it.each([
    [{ containerId: "" }, 3],
    [{ containerId: "bad/id" }, 4],
    [{ ifName: "much-too-long-ifname" }, 4],
    [{ ifName: "eth:0" }, 4],
  ])("rejects %o with code %i before running anything", async (bad, code) => {
    const { runtime, exec } = setup({ bridge: {} });
    await expect(runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), { ...RT, ...bad })).rejects.toMatchObject({
      kind: "invalid-args",
      code,
      network: "net1",
    });
    expect(exec.calls).toEqual([]);
  });

  it("fails before running anything when a later plugin is missing", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await expect(
      runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }, { type: "nope" }]), RT),
    ).rejects.toMatchObject({ kind: "plugin-not-found", code: 7, plugin: "nope", network: "net1" });
    expect(exec.trace()).toEqual([]);
  });

  it("caches a versioned record atomically and returns the result in the list's version", async () => {
    const { runtime, cacheDir } = setup({ bridge: { supportedVersions: ["0.4.0", "1.0.0"] } });
    const conf = list("1.1.0", [{ type: "bridge", mtu: 1400 }]);
    const rt = { ...RT, args: [["A", "1"]] as const, capabilityArgs: { mac: "c2:11:22:33:44:55" } };
    const result = await runtime.addNetworkList(conf, rt);
    expect(result.cniVersion).toBe("1.1.0");
    const record = JSON.parse(readFileSync(cachePath(cacheDir), "utf8")) as unknown;
    expect(record).toEqual({
      kind: "netattachCacheV1",
      containerId: "ctr1",
      ifName: "eth0",
      networkName: "net1",
      netns: "/run/netns/ctr1",
      config: conf.raw,
      cniArgs: [["A", "1"]],
      capabilityArgs: { mac: "c2:11:22:33:44:55" },
      result,
    });
    expect(readdirSync(join(cacheDir, "results"))).toEqual(["net1-ctr1-eth0"]);
    await expect(runtime.getCachedResult(conf, RT)).resolves.toEqual(result);
    await expect(runtime.getCachedAttachments("net1")).resolves.toEqual([{ containerId: "ctr1", ifName: "eth0" }]);
  });

  it("reports every exec with its duration, outcome and stderr", async () => {
    const { runtime, events } = setup({
      bridge: { reply: (c) => (c.command === "ADD" ? { stdout: sampleResult("1.0.0"), stderr: "note\n" } : undefined) },
    });
    await runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), RT);
    expect(events).toEqual([
      {
        type: "exec",
        command: "ADD",
        plugin: "bridge",
        network: "net1",
        ifName: "eth0",
        containerId: "ctr1",
        cniVersion: "1.0.0",
        durationMs: 2,
        ok: true,
        stderr: "note\n",
      },
    ]);
  });

  it.each([
    [
      "nested 3000 deep",
      `{"cniVersion":"1.0.0","dns":{"x":${"[".repeat(3000)}${"]".repeat(3000)}}}`,
      "nested more than 32 deep",
    ],
    [
      "of 40 000 bytes",
      JSON.stringify({ cniVersion: "1.0.0", x: "a".repeat(40_000) }),
      "over the 32768 a result may have",
    ],
    [
      "not UTF-8",
      Buffer.from([
        ...Buffer.from('{"cniVersion":"1.0.0","interfaces":[{"name":"'),
        0xff,
        0xfe,
        0x80,
        ...Buffer.from('"}]}'),
      ]),
      "not UTF-8",
    ],
    [
      "with 65 interfaces",
      { cniVersion: "1.0.0", interfaces: Array.from({ length: 65 }, (_, i) => ({ name: `if${i}` })) },
      "65 interfaces, over the 64",
    ],
    [
      "placing an interface in another netns",
      { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: "/proc/1/ns/net" }] },
      'interface "eth0" in "/proc/1/ns/net", not in the pod\'s /run/netns/ctr1',
    ],
  ])("refuses a result %s as bad-output naming the plugin, and caches nothing", async (_what, stdout, says) => {
    const { runtime, cacheDir } = setup({ bridge: { reply: (c) => (c.command === "ADD" ? { stdout } : undefined) } });
    const err = await runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), RT).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "bad-output", code: 6, plugin: "bridge", network: "net1", command: "ADD" });
    expect((err as CniError).message).toContain(says);
    expect(() => readFileSync(cachePath(cacheDir))).toThrow(/ENOENT/);
  });

  it("accepts host-side interfaces (no sandbox) beside the pod's, as bridge reports its bridge and veth end", async () => {
    const stdout = {
      cniVersion: "1.0.0",
      interfaces: [{ name: "cni0" }, { name: "veth1a2b3c4d" }, { name: "eth0", sandbox: RT.netns }],
      ips: [{ address: "10.1.2.3/24", interface: 2 }],
    };
    const { runtime } = setup({ bridge: { reply: (c) => (c.command === "ADD" ? { stdout } : undefined) } });
    const res = await runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), RT);
    expect(res["interfaces"]).toEqual(stdout.interfaces);
  });

  it("rejects a plugin result that is not JSON as bad-output", async () => {
    const { runtime } = setup({ bridge: { reply: (c) => (c.command === "ADD" ? { stdout: "garbage" } : undefined) } });
    await expect(runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), RT)).rejects.toMatchObject({
      kind: "bad-output",
      plugin: "bridge",
      network: "net1",
    });
  });
});
