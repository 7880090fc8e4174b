import { afterEach, describe, expect, it } from "vitest";
import type { CniError } from "../spec/errors.js";
import { list, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("validateNetworkList", () => {
  it("returns each plugin and its IPAM plugin with the version it would run at, running only VERSION", async () => {
    const { runtime, exec } = setup({
      bridge: { supportedVersions: ["0.4.0", "1.0.0"] },
      "host-local": { supportedVersions: ["0.4.0", "1.0.0"] },
      portmap: {},
    });
    const plugins = await runtime.validateNetworkList(
      list("1.1.0", [{ type: "bridge", ipam: { type: "host-local" } }, { type: "portmap" }]),
    );
    expect(plugins).toEqual([
      { type: "bridge", path: "/fake/bin/bridge", version: "1.0.0" },
      { type: "host-local", path: "/fake/bin/host-local", version: "1.0.0" },
      { type: "portmap", path: "/fake/bin/portmap", version: "1.1.0" },
    ]);
    expect(exec.trace()).toEqual([]);
  });

  it("refuses a cniVersion no plugin binary speaks (2.0.0) with code 1, naming plugin, versions and source", async () => {
    const { runtime, exec } = setup({ bridge: { supportedVersions: ["0.4.0", "1.0.0"] } });
    const err = (await runtime
      .validateNetworkList(list("2.0.0", [{ type: "bridge" }]))
      .catch((e: unknown) => e)) as CniError;
    expect(err).toMatchObject({
      kind: "incompatible-version",
      code: 1,
      plugin: "bridge",
      network: "net1",
      source: "/etc/cni/net.d/10-net1.conflist",
    });
    expect(err.command).toBeUndefined();
    expect(err.msg).toContain("2.0.0");
    expect(err.msg).toContain("0.4.0, 1.0.0");
    expect(exec.trace()).toEqual([]);
  });

  it("refuses an IPAM plugin that does not support the version its main plugin runs at", async () => {
    const { runtime } = setup({
      macvlan: { supportedVersions: ["1.0.0"] },
      "old-ipam": { supportedVersions: ["0.3.1", "0.4.0"] },
    });
    const err = (await runtime
      .validateNetworkList(list("1.0.0", [{ type: "macvlan", ipam: { type: "old-ipam" } }]))
      .catch((e: unknown) => e)) as CniError;
    expect(err).toMatchObject({ kind: "incompatible-version", code: 1, plugin: "old-ipam" });
    expect(err.msg).toContain('"macvlan"');
    expect(err.msg).toContain("0.3.1, 0.4.0");
  });

  it("reports a missing IPAM binary as plugin-not-found", async () => {
    const { runtime } = setup({ macvlan: {} });
    await expect(
      runtime.validateNetworkList(list("1.0.0", [{ type: "macvlan", ipam: { type: "nope" } }])),
    ).rejects.toMatchObject({ kind: "plugin-not-found", plugin: "nope" });
  });
});
