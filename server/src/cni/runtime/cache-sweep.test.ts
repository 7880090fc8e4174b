import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachePath, cleanupSetups, list, RT, setup } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("the result cache at start-up", () => {
  it("sweepCache removes temp files and unreadable records, and keeps good records", async () => {
    const { runtime, cacheDir } = setup({ bridge: {} });
    await runtime.addNetworkList(list("1.0.0", [{ type: "bridge" }]), RT);
    const results = join(cacheDir, "results");
    writeFileSync(join(results, "net1-ctr2-eth0.0123456789ab.tmp"), "");
    writeFileSync(join(results, "net1-ctr3-eth0"), "{not json");

    const swept = await runtime.sweepCache();

    expect(swept).toEqual({
      tempFiles: [join(results, "net1-ctr2-eth0.0123456789ab.tmp")],
      corrupt: [join(results, "net1-ctr3-eth0")],
      failed: [],
    });
    expect(readdirSync(results)).toEqual(["net1-ctr1-eth0"]);
  });

  it("sweepCache is fine without a cache dir", async () => {
    const { runtime } = setup({});
    await expect(runtime.sweepCache()).resolves.toEqual({ tempFiles: [], corrupt: [], failed: [] });
  });

  it("getCachedNetworks rebuilds each cached network from a config cached with it", async () => {
    const { runtime, cacheDir } = setup({ bridge: {}, ptp: {} });
    const a = list("1.0.0", [{ type: "bridge" }]);
    const b = { ...list("1.0.0", [{ type: "ptp" }], { name: "net2" }) };
    await runtime.addNetworkList(a, RT);
    await runtime.addNetworkList(a, { ...RT, containerId: "ctr2" });
    await runtime.addNetworkList(b, RT);
    mkdirSync(join(cacheDir, "results"), { recursive: true });
    writeFileSync(join(cacheDir, "results", "net3-ctr1-eth0"), "{}");

    const networks = await runtime.getCachedNetworks();

    expect(networks.map((n) => [n.name, n.plugins.map((p) => p.type)]).sort()).toEqual([
      ["net1", ["bridge"]],
      ["net2", ["ptp"]],
    ]);
    expect(existsSync(cachePath(cacheDir))).toBe(true);
  });
});
