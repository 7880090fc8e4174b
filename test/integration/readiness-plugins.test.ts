// Readiness checks that the cluster network's plugins exist whatever its cniVersion: below 1.1.0
// CNI STATUS is a no-op, which used to call a node ready whose every ADD then failed.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));

let d: TestDaemon | undefined;
let dir = "";
afterEach(async () => {
  await d?.stop();
  d = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function daemonWith(cniVersion: string, type: string): Promise<TestDaemon> {
  dir = await tempDir("na-ready-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion, name: "cluster", plugins: [{ type }] }),
  );
  return startComposedDaemon({ clusterNetwork: "cluster", cniBinDirs: [join(dir, "bin")] }, { dir });
}

describe("readiness and the cluster network's plugins", () => {
  it.each(["1.0.0", "0.4.0", "1.1.0"])("is not ready when a plugin of a %s cluster network is missing", async (v) => {
    d = await daemonWith(v, "na-missing-plugin");
    const s = await d.client.api.getStatus({});
    expect(s.ready).toBe(false);
    expect(s.reasons.join("\n")).toMatch(/cluster network "cluster" .*"na-missing-plugin"/);
    expect(s.clusterNetwork).toMatchObject({ name: "cluster", ok: false });
    expect((await fetch(`http://127.0.0.1:${d.httpPort}/readyz`)).status).toBe(503);
  });

  it("is ready with a 1.0.0 cluster network whose plugins exist, and says STATUS was not asked", async () => {
    d = await daemonWith("1.0.0", "noop");
    const s = await d.client.api.getStatus({});
    expect(s.ready).toBe(true);
    expect(s.clusterNetwork).toMatchObject({
      name: "cluster",
      ok: true,
      message: "cniVersion 1.0.0 has no STATUS (CNI 1.1.0): its plugins were found, not asked",
    });
  });
});
