import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { loadConfPath } from "./load-conf-path.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/resolve");

describe("loadConfPath", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "resolve-path-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads a conflist file by path", async () => {
    const path = join(FIXTURES, "conf.d/10-cluster.conflist");
    expect(await loadConfPath(path)).toMatchObject({
      found: { name: "cluster-net", origin: { kind: "conf-file", path } },
    });
  });

  it("loads the lexicographically first config of a directory", async () => {
    const path = join(FIXTURES, "cluster-dir/10-first.conflist");
    expect(await loadConfPath(join(FIXTURES, "cluster-dir"))).toMatchObject({
      found: { name: "first-net", origin: { kind: "conf-file", path } },
    });
  });

  it("says a missing path or an empty directory was tried", async () => {
    expect(await loadConfPath("/nonexistent/x.conf")).toEqual({ tried: ["path /nonexistent/x.conf does not exist"] });
    expect(await loadConfPath(join(FIXTURES, "empty-dir"))).toEqual({
      tried: [`directory ${join(FIXTURES, "empty-dir")} holds no .conf/.conflist/.json file`],
    });
  });

  it("rejects a broken file, a config without name, and a broken first file of a directory", async () => {
    const broken = join(FIXTURES, "conf.d/90-broken.conf");
    await expect(loadConfPath(broken)).rejects.toMatchObject({
      code: "INVALID_NETWORK_CONFIG",
      context: { source: broken, network: "broken-net" },
    });

    const noName = join(dir, "noname.conf");
    await writeFile(noName, JSON.stringify({ type: "bridge" }));
    const err = await loadConfPath(noName).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).message).toBe(`network "noname": CNI config file ${noName} has no "name"`);

    await expect(loadConfPath(dir)).rejects.toMatchObject({
      code: "INVALID_NETWORK_CONFIG",
      context: { source: noName },
    });
  });
});
