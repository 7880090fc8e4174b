import { mkdtemp, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { createConfDirSource } from "./conf-dir-source.js";
import type { NetworkLookup } from "./types.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/resolve");
const CONF_D = join(FIXTURES, "conf.d");
const ref = (name: string, namespace = "any-ns") => ({ namespace, name });

function found(r: NetworkLookup) {
  if (r.found === undefined) throw new Error(`not found: ${r.tried.join("; ")}`);
  return r.found;
}

function missing(r: NetworkLookup): readonly string[] {
  if (r.found !== undefined) throw new Error(`unexpectedly found ${r.found.name}`);
  return r.tried;
}

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}

describe("createConfDirSource on the fixture dir", () => {
  const source = createConfDirSource(CONF_D);

  it("finds a conflist by its JSON name, ignoring the namespace", async () => {
    const def = found(await source.lookup(ref("cluster-net", "whatever")));
    expect(def).toMatchObject({
      name: "cluster-net",
      origin: { kind: "conf-file", path: join(CONF_D, "10-cluster.conflist") },
    });
    expect(def.namespace).toBeUndefined();
    expect((def.config.plugins as unknown[]).length).toBe(2);
  });

  it("prefers the conflist over a conf with the same name (spec 3.4.1)", async () => {
    const def = found(await source.lookup(ref("macvlan-conf")));
    expect(def.origin).toEqual({ kind: "conf-file", path: join(CONF_D, "20-macvlan.conflist") });
  });

  it("finds .json files", async () => {
    expect(found(await source.lookup(ref("ptp-conf"))).config.type).toBe("ptp");
  });

  it("reports a broken JSON file when it is the match, naming the file", async () => {
    const err = await rejection(source.lookup(ref("broken-net")));
    const path = join(CONF_D, "90-broken.conf");
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toContain(`network "broken-net": CNI config file ${path} is not valid JSON`);
    expect(err.context).toEqual({ network: "broken-net", source: path, phase: "resolve" });
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it("reports a config with neither type nor plugins when it is the match", async () => {
    const err = await rejection(source.lookup(ref("notype-net")));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toBe(
      `network "notype-net": CNI config file ${join(CONF_D, "91-notype.conf")} has neither "type" (conf) nor "plugins" (conflist)`,
    );
  });

  it("says what it holds and which files it skipped when the name is unknown", async () => {
    const r = await source.lookup(ref("nope"));
    expect(r.found).toBeUndefined();
    expect(missing(r)).toHaveLength(3);
    expect(missing(r)[0]).toBe(
      `conf dir ${CONF_D}: no conf or conflist with "name": "nope" (it holds cluster-net, macvlan-conf, ptp-conf)`,
    );
    expect(missing(r)[1]).toMatch(
      `conf dir ${CONF_D}: ${join(CONF_D, "90-broken.conf")} skipped, it is not valid JSON: `,
    );
    expect(missing(r)[2]).toBe(
      `conf dir ${CONF_D}: ${join(CONF_D, "91-notype.conf")} skipped, it has neither "type" (conf) nor "plugins" (conflist)`,
    );
  });

  it("reports a missing directory as a place tried", async () => {
    const r = await createConfDirSource("/nonexistent/conf.d").lookup(ref("a"));
    expect(r).toEqual({ tried: ["conf dir /nonexistent/conf.d does not exist"] });
  });

  it("honours an aborted signal", async () => {
    await expect(source.lookup(ref("cluster-net"), { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/i);
  });
});

describe("createConfDirSource on a changing dir", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "resolve-confdir-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const conf = (name: string, bridge: string) => JSON.stringify({ cniVersion: "1.0.0", name, type: "bridge", bridge });

  it("picks up new, changed and deleted files on the next lookup", async () => {
    const source = createConfDirSource(dir);
    expect((await source.lookup(ref("net-a"))).found).toBeUndefined();

    await writeFile(join(dir, "a.conf"), conf("net-a", "br-1"));
    expect(found(await source.lookup(ref("net-a"))).config.bridge).toBe("br-1");

    // Same size, written right away: the stat key must still change.
    await writeFile(join(dir, "a.conf"), conf("net-a", "br-2"));
    expect(found(await source.lookup(ref("net-a"))).config.bridge).toBe("br-2");

    await writeFile(join(dir, "a.conf"), conf("net-b", "br-2"));
    expect((await source.lookup(ref("net-a"))).found).toBeUndefined();
    expect(found(await source.lookup(ref("net-b"))).origin).toEqual({ kind: "conf-file", path: join(dir, "a.conf") });

    await unlink(join(dir, "a.conf"));
    expect((await source.lookup(ref("net-b"))).found).toBeUndefined();
  });

  it("lets an unrelated broken or unreadable file not break other lookups, but lists it", async () => {
    await writeFile(join(dir, "a.conf"), conf("net-a", "br-a"));
    await writeFile(join(dir, "b.conf"), "this is not json");
    await symlink("loop.conflist", join(dir, "loop.conflist"));
    const source = createConfDirSource(dir);
    expect(found(await source.lookup(ref("net-a"))).name).toBe("net-a");
    const r = await source.lookup(ref("net-z"));
    expect(missing(r)).toHaveLength(3);
    expect(missing(r)[1]).toMatch(
      new RegExp(`^conf dir ${dir}: ${join(dir, "loop.conflist")} could not be read: ELOOP`),
    );
    expect(missing(r)[2]).toContain(`${join(dir, "b.conf")} skipped, it is not valid JSON`);
  });

  it("reports an unparseable file by its file name when no name can be read from it", async () => {
    await writeFile(join(dir, "net-a.conf"), "garbage");
    const err = await rejection(createConfDirSource(dir).lookup(ref("net-a")));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.context.source).toBe(join(dir, "net-a.conf"));
  });

  it("reports a conflist whose plugin lacks a type", async () => {
    await writeFile(
      join(dir, "x.conflist"),
      JSON.stringify({ name: "net-x", plugins: [{ type: "bridge" }, { mtu: 1 }] }),
    );
    const err = await rejection(createConfDirSource(dir).lookup(ref("net-x")));
    expect(err.message).toBe(`network "net-x": CNI config file ${join(dir, "x.conflist")} plugin 2 has no "type"`);
  });

  it("takes the first of two confs with one name in file order", async () => {
    await writeFile(join(dir, "b.conf"), conf("dup", "br-b"));
    await writeFile(join(dir, "a.json"), conf("dup", "br-a"));
    expect(found(await createConfDirSource(dir).lookup(ref("dup"))).config.bridge).toBe("br-a");
  });
});
