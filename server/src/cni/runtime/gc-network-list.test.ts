import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { pluginFailure } from "./fake-plugin-exec.test-helper.js";
import { cachePath, list, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

const A = {
  containerId: "a",
  netns: "/run/netns/a",
  ifName: "eth0",
  args: [["K8S_POD_NAME", "pa"]] as const,
  capabilityArgs: { mac: "c2:00:00:00:00:0a" },
};
const B = { containerId: "b", netns: "/run/netns/b", ifName: "net1" };

describe("gcNetworkList", () => {
  it("DELs stale cached attachments with their cached params, then sends GC with both keys", async () => {
    const { runtime, exec, cacheDir } = setup({ bridge: {}, tuning: {} });
    const conf = list("1.1.0", [{ type: "bridge" }, { type: "tuning", capabilities: { mac: true } }]);
    await runtime.addNetworkList(conf, A);
    await runtime.addNetworkList(conf, B);
    exec.calls.length = 0;
    await runtime.gcNetworkList(conf, { validAttachments: [{ containerId: "b", ifName: "net1" }] });
    expect(exec.trace()).toEqual(["DEL tuning", "DEL bridge", "GC bridge", "GC tuning"]);
    const del = exec.calls.find((c) => c.command === "DEL")!;
    expect(del.env).toMatchObject({
      CNI_CONTAINERID: "a",
      CNI_NETNS: "/run/netns/a",
      CNI_IFNAME: "eth0",
      CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=pa",
    });
    expect(del.stdin.runtimeConfig).toEqual({ mac: "c2:00:00:00:00:0a" });
    const gc = exec.calls.find((c) => c.command === "GC")!;
    const valid = [{ containerID: "b", ifname: "net1" }];
    expect(gc.stdin).toEqual({
      type: "bridge",
      cniVersion: "1.1.0",
      name: "net1",
      "cni.dev/valid-attachments": valid,
      "cni.dev/attachments": valid,
    });
    expect(gc.env).toMatchObject({
      CNI_COMMAND: "GC",
      CNI_PATH: "/fake/bin:/other/bin",
      CNI_CONTAINERID: "",
      CNI_IFNAME: "",
    });
    expect(existsSync(cachePath(cacheDir, A))).toBe(false);
    expect(existsSync(cachePath(cacheDir, B))).toBe(true);
  });

  it("treats every attachment as stale without validAttachments, and sends no key", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.1.0", [{ type: "bridge" }]);
    await runtime.addNetworkList(conf, A);
    await runtime.gcNetworkList(conf, {});
    expect(exec.trace()).toEqual(["ADD bridge", "DEL bridge", "GC bridge"]);
    expect(
      Object.keys(exec.calls.find((c) => c.command === "GC")!.stdin).filter((k) => k.startsWith("cni.dev/")),
    ).toEqual([]);
  });

  it("does nothing with disableGC", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.1.0", [{ type: "bridge" }], { disableGC: true });
    await runtime.addNetworkList(conf, A);
    await runtime.gcNetworkList(conf, { validAttachments: [] });
    expect(exec.trace()).toEqual(["ADD bridge"]);
  });

  it("below 1.1.0 DELs stale attachments but sends no GC", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.0.0", [{ type: "bridge" }]);
    await runtime.addNetworkList(conf, A);
    await runtime.gcNetworkList(conf, { validAttachments: [] });
    expect(exec.trace()).toEqual(["ADD bridge", "DEL bridge"]);
  });

  it("skips GC for plugins negotiated below 1.1.0 and reports it", async () => {
    const { runtime, exec, events } = setup({ bridge: { supportedVersions: ["0.4.0", "1.0.0"] }, firewall: {} });
    await runtime.gcNetworkList(list("1.1.0", [{ type: "bridge" }, { type: "firewall" }]), { validAttachments: [] });
    expect(exec.trace()).toEqual(["GC firewall"]);
    expect(events).toContainEqual({
      type: "plugin-skipped",
      command: "GC",
      plugin: "bridge",
      network: "net1",
      cniVersion: "1.0.0",
      reason: "GC needs CNI 1.1.0",
    });
  });

  it("DELs a stale attachment in the namespace pinStale hands back, released after; with none, in an empty netns", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.1.0", [{ type: "bridge" }]);
    await runtime.addNetworkList(conf, A);
    await runtime.addNetworkList(conf, B);
    exec.calls.length = 0;
    const asked: string[] = [];
    const released: string[] = [];
    await runtime.gcNetworkList(
      conf,
      { validAttachments: [] },
      {
        pinStale: async (stale) => {
          asked.push(`${stale.containerId} ${stale.ifName} ${stale.netns} ${stale.result.cniVersion}`);
          if (stale.containerId === "b") return undefined;
          return { handle: "/proc/1234/fd/9", release: () => released.push(stale.containerId) };
        },
      },
    );
    expect(asked.sort()).toEqual(["a eth0 /run/netns/a 1.1.0", "b net1 /run/netns/b 1.1.0"]);
    expect(released).toEqual(["a"]);
    const netnsOf = (id: string) =>
      exec.calls.find((c) => c.command === "DEL" && c.env.CNI_CONTAINERID === id)?.env.CNI_NETNS;
    expect(netnsOf("a")).toBe("/proc/1234/fd/9");
    expect(netnsOf("b")).toBe("");
  });

  it("continues past errors and throws one error listing each", async () => {
    const { runtime, exec } = setup({
      bridge: {
        reply: (c) =>
          c.command === "DEL" || c.command === "GC"
            ? { error: pluginFailure("bridge", c.command, 101, `${c.command} broke`) }
            : undefined,
      },
      firewall: {},
    });
    const conf = list("1.1.0", [{ type: "bridge" }, { type: "firewall" }]);
    await runtime.addNetworkList(conf, A);
    const err = (await runtime.gcNetworkList(conf, { validAttachments: [] }).catch((e: unknown) => e)) as CniError;
    expect(exec.trace()).toEqual([
      "ADD bridge",
      "ADD firewall",
      "DEL firewall",
      "DEL bridge",
      "GC bridge",
      "GC firewall",
    ]);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 101, command: "GC", network: "net1" });
    expect(err.details).toMatch(/\[1\].*DEL broke.*\[2\].*GC broke/);
    expect((err.cause as AggregateError).errors).toHaveLength(2);
  });
});

describe("getStatusNetworkList", () => {
  it("does nothing below 1.1.0", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await runtime.getStatusNetworkList(list("1.0.0", [{ type: "bridge" }]));
    expect(exec.calls).toEqual([]);
  });

  it("asks every plugin in order and stops at the first error, keeping code 50", async () => {
    const { runtime, exec } = setup({
      a: {},
      b: {
        reply: (c) => (c.command === "STATUS" ? { error: pluginFailure("b", "STATUS", 50, "not ready") } : undefined),
      },
      c: {},
    });
    await expect(
      runtime.getStatusNetworkList(list("1.1.0", [{ type: "a" }, { type: "b" }, { type: "c" }])),
    ).rejects.toMatchObject({ code: 50, plugin: "b", command: "STATUS" });
    expect(exec.trace()).toEqual(["STATUS a", "STATUS b"]);
    expect(exec.calls.find((c) => c.command === "STATUS")!.stdin).toEqual({
      type: "a",
      cniVersion: "1.1.0",
      name: "net1",
    });
  });

  it("skips plugins negotiated below 1.1.0 (Debian's plugins) and reports it", async () => {
    const { runtime, exec, events } = setup({ bridge: { supportedVersions: ["0.3.1", "0.4.0", "1.0.0"] } });
    await runtime.getStatusNetworkList(list("1.1.0", [{ type: "bridge" }]));
    expect(exec.trace()).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "plugin-skipped", command: "STATUS", plugin: "bridge", cniVersion: "1.0.0" }),
    );
  });
});
