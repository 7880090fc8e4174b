import { afterEach, describe, expect, it } from "vitest";
import type { CniError } from "../spec/errors.js";
import { pluginFailure } from "./fake-plugin-exec.test-helper.js";
import { list, RT, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("plugin version negotiation", () => {
  it("runs a plugin that stops at 1.0.0 at 1.0.0 in a 1.1.0 list and converts its result up", async () => {
    const { runtime, exec } = setup({ bridge: { supportedVersions: ["0.3.1", "0.4.0", "1.0.0"] }, tuning: {} });
    const result = await runtime.addNetworkList(list("1.1.0", [{ type: "bridge" }, { type: "tuning" }]), RT);
    const [bridge, tuning] = exec.calls.filter((c) => c.command === "ADD");
    expect(bridge!.stdin.cniVersion).toBe("1.0.0");
    expect(tuning!.stdin).toMatchObject({ cniVersion: "1.1.0", prevResult: { cniVersion: "1.1.0" } });
    expect(result.cniVersion).toBe("1.1.0");
  });

  it("asks VERSION once per binary", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.0.0", [{ type: "bridge" }]);
    await runtime.addNetworkList(conf, RT);
    await runtime.delNetworkList(conf, RT);
    await runtime.addNetworkList(conf, RT);
    const probes = exec.calls.filter((c) => c.command === "VERSION");
    expect(probes).toHaveLength(1);
    expect(probes[0]!.stdin).toEqual({ cniVersion: "1.1.0" });
    expect(probes[0]!.env).toMatchObject({ CNI_COMMAND: "VERSION", CNI_PATH: "/fake/bin:/other/bin" });
  });

  it("fails with code 1 naming plugin and versions when nothing is compatible, running nothing", async () => {
    const { runtime, exec } = setup({ bridge: {}, legacy: { supportedVersions: ["0.3.0", "0.3.1"] } });
    const err = (await runtime
      .addNetworkList(list("1.0.0", [{ type: "bridge" }, { type: "legacy" }]), RT)
      .catch((e: unknown) => e)) as CniError;
    expect(err).toMatchObject({ kind: "incompatible-version", code: 1, plugin: "legacy", network: "net1" });
    expect(err.msg).toContain("0.3.0, 0.3.1");
    expect(err.msg).toContain("1.0.0");
    expect(exec.trace()).toEqual([]);
  });

  it("runs a plugin whose VERSION fails at the list's version, and reports it", async () => {
    const { runtime, exec, events } = setup({
      odd: {
        reply: (c) =>
          c.command === "VERSION"
            ? { error: pluginFailure("odd", "VERSION", 4, "unknown CNI_COMMAND: VERSION") }
            : undefined,
      },
    });
    await runtime.addNetworkList(list("0.4.0", [{ type: "odd" }]), RT);
    expect(exec.calls.find((c) => c.command === "ADD")!.stdin.cniVersion).toBe("0.4.0");
    expect(events).toContainEqual(
      expect.objectContaining({ type: "version-probe-failed", plugin: "odd", path: "/fake/bin/odd" }),
    );
  });

  it("does not probe with negotiateVersions: false", async () => {
    const { runtime, exec } = setup({ bridge: { supportedVersions: ["1.0.0"] } }, { negotiateVersions: false });
    await runtime.addNetworkList(list("1.1.0", [{ type: "bridge" }]), RT);
    expect(exec.calls.map((c) => c.command)).toEqual(["ADD"]);
    expect(exec.calls[0]!.stdin.cniVersion).toBe("1.1.0");
  });

  it("getVersionInfo returns the plugin's answer and fails for a missing plugin", async () => {
    const { runtime } = setup({ bridge: { supportedVersions: ["0.4.0", "1.0.0"] } });
    await expect(runtime.getVersionInfo("bridge")).resolves.toEqual({
      cniVersion: "1.1.0",
      supportedVersions: ["0.4.0", "1.0.0"],
    });
    await expect(runtime.getVersionInfo("nope")).rejects.toMatchObject({ kind: "plugin-not-found", code: 7 });
  });
});
