import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../server/src/config/index.js";
import { configuredNetworks } from "./configured-networks.js";
import { hostLocalDirs } from "./host-local-dirs.js";

let base: string;
let confDir: string;

const conflist = (name: string, dataDir: string): string =>
  JSON.stringify({
    cniVersion: "1.0.0",
    name,
    plugins: [{ type: "bridge", ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.9.0.0/24" }]] } }],
  });

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "na-doctor-nets-"));
  confDir = join(base, "net.d");
  await mkdir(confDir);
  await writeFile(join(confDir, "10-conf.conflist"), conflist("conf", join(base, "data")));
});
afterEach(() => rm(base, { recursive: true, force: true }));

const config = (clusterNetwork: string, defaultNetworks: string[] = []) => ({
  ...DEFAULTS,
  cniConfDir: confDir,
  clusterNetwork,
  defaultNetworks,
});

describe("configuredNetworks", () => {
  it("reads a clusterNetwork or defaultNetworks path as the daemon does (a file; a directory's first config), and scans its host-local dir", async () => {
    const file = join(base, "cluster.conflist");
    await writeFile(file, conflist("pathnet", join(base, "data")));
    const dir = join(base, "extra.d");
    await mkdir(dir);
    await writeFile(join(dir, "20-b.conf"), JSON.stringify({ cniVersion: "1.0.0", name: "later", type: "bridge" }));
    await writeFile(join(dir, "10-a.conflist"), conflist("first", "/data2"));
    const networks = await configuredNetworks(config(file, [dir, "blue"]));
    expect(networks.map((n) => [n.name, n.where, n.confFile])).toEqual([
      ["conf", join(confDir, "10-conf.conflist"), join(confDir, "10-conf.conflist")],
      ["pathnet", file, file],
      ["first", join(dir, "10-a.conflist"), join(dir, "10-a.conflist")],
    ]);
    expect(hostLocalDirs(networks)).toEqual([
      {
        dir: join(base, "data", "conf"),
        cniName: "conf",
        networks: ["conf"],
        confFile: join(confDir, "10-conf.conflist"),
      },
      { dir: join(base, "data", "pathnet"), cniName: "pathnet", networks: ["pathnet"], confFile: file },
      { dir: "/data2/first", cniName: "first", networks: ["first"], confFile: join(dir, "10-a.conflist") },
    ]);
  });

  it("lists a path into the conf dir once, and one that cannot be loaded with why", async () => {
    const inConfDir = join(confDir, "10-conf.conflist");
    const missing = join(base, "missing.conflist");
    const networks = await configuredNetworks(config(inConfDir, [missing, inConfDir]));
    expect(networks).toEqual([
      expect.objectContaining({ name: "conf", where: inConfDir }),
      { name: missing, where: missing, config: { problem: expect.stringContaining(`path ${missing}`) } },
    ]);
  });
});
