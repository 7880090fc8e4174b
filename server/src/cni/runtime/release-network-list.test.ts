import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { pluginFailure } from "./fake-plugin-exec.test-helper.js";
import { cachePath, cleanupSetups, list, RT, setup } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

const ipam = { type: "host-local", ranges: [[{ subnet: "10.9.0.0/24" }]], dataDir: "/var/lib/cni/x" };

describe("releaseNetworkList", () => {
  it("runs each plugin's IPAM plugin with DEL and that plugin's own config, last plugin first, then drops the cache", async () => {
    const { runtime, exec, cacheDir } = setup({
      macvlan: {
        reply: (c) =>
          c.command === "DEL" ? { error: pluginFailure("macvlan", "DEL", 999, 'Link not found: "eth9"') } : undefined,
      },
      "host-local": { supportedVersions: ["0.4.0", "1.0.0"] },
      static: {},
      tuning: {},
    });
    const conf = list("1.0.0", [
      { type: "macvlan", master: "eth9", ipam },
      { type: "tuning" },
      { type: "bridge", ipam: { type: "static" } },
    ]);
    const added = await runtime.addNetworkList(list("1.0.0", [{ type: "tuning" }]), RT);
    await runtime.releaseNetworkList(conf, { ...RT, netns: "", capabilityArgs: { mac: "c2:00:00:00:00:01" } });

    const dels = exec.calls.filter((c) => c.command === "DEL");
    expect(dels.map((c) => c.pluginType)).toEqual(["static", "host-local"]);
    // The IPAM plugin reads the plugin's config, as when the plugin calls it: type, master and ipam as saved.
    expect(dels[1]!.stdin).toEqual({
      type: "macvlan",
      master: "eth9",
      ipam,
      cniVersion: "1.0.0",
      name: "net1",
      prevResult: added,
    });
    expect(dels[1]!.env).toMatchObject({
      CNI_COMMAND: "DEL",
      CNI_CONTAINERID: "ctr1",
      CNI_IFNAME: "eth0",
      CNI_NETNS: "",
    });
    expect(existsSync(cachePath(cacheDir))).toBe(false);
  });

  it("releases at the version the IPAM plugin supports", async () => {
    const { runtime, exec } = setup({ "host-local": { supportedVersions: ["0.3.1", "0.4.0", "1.0.0"] } });
    await runtime.releaseNetworkList(list("1.1.0", [{ type: "macvlan", ipam }]), RT);
    expect(exec.calls.find((c) => c.command === "DEL")!.stdin).toMatchObject({ cniVersion: "1.0.0" });
  });

  it("goes on past a failing IPAM plugin, reports it with network and plugin, and keeps the cache for a retry", async () => {
    const { runtime, exec, cacheDir } = setup({
      "host-local": {
        reply: (c) =>
          c.command === "DEL" ? { error: pluginFailure("host-local", "DEL", 5, "cannot open store") } : undefined,
      },
      static: {},
      a: {},
      b: {},
    });
    const conf = list("1.0.0", [
      { type: "a", ipam: { type: "static" } },
      { type: "b", ipam },
    ]);
    await runtime.addNetworkList(conf, RT);
    await expect(runtime.releaseNetworkList(conf, RT)).rejects.toMatchObject({
      code: 5,
      plugin: "host-local",
      command: "DEL",
      network: "net1",
    });
    expect(exec.trace()).toEqual(["ADD a", "ADD b", "DEL host-local", "DEL static"]);
    expect(existsSync(cachePath(cacheDir))).toBe(true);
  });

  it("has nothing to run for plugins without IPAM, and still drops the cache", async () => {
    const { runtime, exec, cacheDir } = setup({ tuning: {} });
    const conf = list("1.0.0", [{ type: "tuning" }]);
    await runtime.addNetworkList(conf, RT);
    await runtime.releaseNetworkList(conf, RT);
    expect(exec.trace()).toEqual(["ADD tuning"]);
    expect(existsSync(cachePath(cacheDir))).toBe(false);
  });
});
