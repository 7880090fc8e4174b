import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listConfFiles } from "./conf-files.js";
import { loadNetworkConfigFile, loadNetworkConfigList } from "./load-network-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cni-conf-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (name: string, value: unknown): void =>
  writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));

describe("listConfFiles", () => {
  it("lists *.conf, *.conflist and *.json sorted, skipping other files and directories", async () => {
    put("20-b.conf", {});
    put("10-a.conflist", {});
    put("30-c.json", {});
    put("README.md", "");
    mkdirSync(join(dir, "00-dir.conf"));
    expect(await listConfFiles(dir)).toEqual(["10-a.conflist", "20-b.conf", "30-c.json"].map((n) => join(dir, n)));
    expect(await listConfFiles(join(dir, "missing"))).toEqual([]);
  });
});

describe("loadNetworkConfigList", () => {
  it("prefers a conflist with the name over a conf that sorts first", async () => {
    put("00-x.conf", { cniVersion: "1.0.0", name: "x", type: "from-conf" });
    put("99-x.conflist", { cniVersion: "1.0.0", name: "x", plugins: [{ type: "from-list" }] });
    const list = await loadNetworkConfigList(dir, "x");
    expect(list.plugins[0]!.type).toBe("from-list");
    expect(list.source).toBe(join(dir, "99-x.conflist"));
  });

  it("falls back to a single-plugin conf", async () => {
    put("10-y.json", { cniVersion: "0.4.0", name: "y", type: "bridge" });
    const list = await loadNetworkConfigList(dir, "y");
    expect(list.plugins).toEqual([{ cniVersion: "0.4.0", name: "y", type: "bridge" }]);
  });

  it("names every file it looked at, and broken ones, when the network is not there", async () => {
    put("10-a.conflist", { name: "a", plugins: [{ type: "x" }] });
    put("20-broken.conf", "{");
    const err = await loadNetworkConfigList(dir, "zzz").catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "invalid-config", code: 7, network: "zzz" });
    expect((err as Error).message).toContain("10-a.conflist, 20-broken.conf");
    expect((err as Error).message).toMatch(/20-broken\.conf: error parsing/);
  });
});

describe("loadNetworkConfigFile", () => {
  it("appends plugin confs from the folder named after the network", async () => {
    put("10-n.conflist", { cniVersion: "1.1.0", name: "n", plugins: [{ type: "bridge" }] });
    mkdirSync(join(dir, "n"));
    put("n/20-b.conf", { type: "tuning" });
    put("n/10-a.conf", { type: "portmap" });
    const list = await loadNetworkConfigFile(join(dir, "10-n.conflist"));
    expect(list.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "tuning"]);
  });

  it("loads only inlined plugins when asked to", async () => {
    put("10-n.conflist", {
      cniVersion: "1.1.0",
      name: "n",
      loadOnlyInlinedPlugins: true,
      plugins: [{ type: "bridge" }],
    });
    mkdirSync(join(dir, "n"));
    put("n/10-a.conf", { type: "portmap" });
    expect((await loadNetworkConfigFile(join(dir, "10-n.conflist"))).plugins.map((p) => p.type)).toEqual(["bridge"]);
  });

  it("names the file in a syntax error and in a read error", async () => {
    put("bad.conflist", '{"name": "x",');
    await expect(loadNetworkConfigFile(join(dir, "bad.conflist"))).rejects.toMatchObject({
      code: 6,
      source: join(dir, "bad.conflist"),
    });
    await expect(loadNetworkConfigFile(join(dir, "gone.conflist"))).rejects.toMatchObject({
      code: 5,
      source: join(dir, "gone.conflist"),
    });
  });
});
