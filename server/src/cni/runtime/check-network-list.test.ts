import { afterEach, describe, expect, it } from "vitest";
import { pluginFailure } from "./fake-plugin-exec.test-helper.js";
import { list, RT, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("checkNetworkList", () => {
  it("runs plugins in order with the cached ADD result as prevResult", async () => {
    const { runtime, exec } = setup({ bridge: {}, tuning: {} });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "tuning" }]);
    const added = await runtime.addNetworkList(conf, { ...RT, capabilityArgs: { mac: "c2:11:22:33:44:55" } });
    await runtime.checkNetworkList(conf, RT);
    expect(exec.trace()).toEqual(["ADD bridge", "ADD tuning", "CHECK bridge", "CHECK tuning"]);
    for (const c of exec.calls.filter((x) => x.command === "CHECK")) {
      expect(c.stdin.prevResult).toEqual(added);
      expect(c.env).toMatchObject({ CNI_COMMAND: "CHECK", CNI_NETNS: "/run/netns/ctr1", CNI_ARGS: "IgnoreUnknown=1" });
    }
  });

  it("with a pinned netns, plugins get the pin (CNI_NETNS and prevResult's sandbox); results and the cache name the path", async () => {
    const { runtime, exec } = setup({
      bridge: {
        reply: (c) =>
          c.command === "ADD"
            ? { stdout: { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: c.env.CNI_NETNS }], ips: [] } }
            : undefined,
      },
      tuning: {},
    });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "tuning" }]);
    const added = await runtime.addNetworkList(conf, { ...RT, netnsHandle: "/proc/1/fd/7" });
    expect(added.interfaces).toEqual([{ name: "eth0", sandbox: RT.netns }]);
    const adds = exec.calls.filter((c) => c.command === "ADD");
    expect(adds.map((c) => c.env.CNI_NETNS)).toEqual(["/proc/1/fd/7", "/proc/1/fd/7"]);
    expect(adds[1]!.stdin.prevResult).toMatchObject({ interfaces: [{ sandbox: "/proc/1/fd/7" }] });
    // A later operation pins again (another descriptor): the kept result is shown to it in its pin.
    await runtime.checkNetworkList(conf, { ...RT, netnsHandle: "/proc/1/fd/9" });
    for (const c of exec.calls.filter((x) => x.command === "CHECK")) {
      expect(c.env.CNI_NETNS).toBe("/proc/1/fd/9");
      expect(c.stdin.prevResult).toMatchObject({ interfaces: [{ name: "eth0", sandbox: "/proc/1/fd/9" }] });
    }
  });

  it("refuses below 0.4.0 with code 1", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await expect(runtime.checkNetworkList(list("0.3.1", [{ type: "bridge" }]), RT)).rejects.toMatchObject({
      kind: "incompatible-version",
      code: 1,
      command: "CHECK",
    });
    expect(exec.calls).toEqual([]);
  });

  it("does nothing with disableCheck", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await runtime.checkNetworkList(list("1.0.0", [{ type: "bridge" }], { disableCheck: "true" }), RT);
    expect(exec.calls).toEqual([]);
  });

  it("fails with code 3 when there was no ADD, running nothing", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await expect(runtime.checkNetworkList(list("1.0.0", [{ type: "bridge" }]), RT)).rejects.toMatchObject({
      kind: "invalid-args",
      code: 3,
      network: "net1",
      command: "CHECK",
    });
    expect(exec.calls).toEqual([]);
  });

  it("stops at the first failing plugin and keeps its code", async () => {
    const { runtime, exec } = setup({
      bridge: {
        reply: (c) =>
          c.command === "CHECK" ? { error: pluginFailure("bridge", "CHECK", 120, "bridge gone") } : undefined,
      },
      tuning: {},
    });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "tuning" }]);
    await runtime.addNetworkList(conf, RT);
    await expect(runtime.checkNetworkList(conf, RT)).rejects.toMatchObject({ code: 120, plugin: "bridge" });
    expect(exec.trace()).toEqual(["ADD bridge", "ADD tuning", "CHECK bridge"]);
  });

  it("skips (and reports) a plugin whose negotiated version has no CHECK", async () => {
    const { runtime, exec, events } = setup({ bridge: {}, old: { supportedVersions: ["0.3.0", "0.3.1"] } });
    const conf = list("0.4.0", [{ type: "bridge" }, { type: "old" }]);
    await runtime.addNetworkList(conf, RT);
    await runtime.checkNetworkList(conf, RT);
    expect(exec.trace()).toEqual(["ADD bridge", "ADD old", "CHECK bridge"]);
    expect(events).toContainEqual({
      type: "plugin-skipped",
      command: "CHECK",
      plugin: "old",
      network: "net1",
      cniVersion: "0.3.1",
      reason: "CHECK needs CNI 0.4.0",
    });
  });
});
