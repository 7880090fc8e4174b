import fs, { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CACHE_RECORD_KIND, createResultCache, type CacheRecord } from "./result-cache.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cni-cache-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (containerId: string, networkName = "net", ifName = "eth0"): CacheRecord => ({
  kind: CACHE_RECORD_KIND,
  containerId,
  ifName,
  networkName,
  netns: "/run/netns/x",
  config: { name: networkName },
  cniArgs: [["K", "V"]],
  capabilityArgs: {},
  result: { cniVersion: "1.0.0" },
});

describe("createResultCache", () => {
  it("writes 0600 files in a 0700 dir and reads them back", async () => {
    const cache = createResultCache(dir);
    await cache.write(record("c1"));
    const path = join(dir, "results", "net-c1-eth0");
    expect(statSync(join(dir, "results")).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(cache.read("net", "c1", "eth0")).resolves.toEqual({ status: "found", path, record: record("c1") });
  });

  it("tells missing from corrupt", async () => {
    const cache = createResultCache(dir);
    await expect(cache.read("net", "c1", "eth0")).resolves.toMatchObject({ status: "missing" });
    mkdirSync(join(dir, "results"));
    writeFileSync(join(dir, "results", "net-c2-eth0"), JSON.stringify({ kind: "cniCacheV1" }));
    await expect(cache.read("net", "c2", "eth0")).resolves.toMatchObject({
      status: "corrupt",
      reason: 'unknown kind "cniCacheV1"',
    });
    writeFileSync(join(dir, "results", "net-c3-eth0"), JSON.stringify(record("other")));
    await expect(cache.read("net", "c3", "eth0")).resolves.toMatchObject({
      status: "corrupt",
      reason: "record is for another attachment",
    });
  });

  it("lists one network's records only, never temp files", async () => {
    const cache = createResultCache(dir);
    await cache.write(record("c1"));
    await cache.write(record("c2", "net", "net1"));
    await cache.write(record("c3", "net-b"));
    writeFileSync(join(dir, "results", "net-c9-eth0.0123456789ab.tmp"), "{");
    const listed = await cache.list("net");
    expect(listed.map((l) => (l.status === "found" ? l.record.containerId : l.status))).toEqual(["c1", "c2"]);
  });

  it("removes idempotently and leaves no temp files behind", async () => {
    const cache = createResultCache(dir);
    await cache.write(record("c1"));
    await cache.write(record("c1"));
    expect(readdirSync(join(dir, "results"))).toEqual(["net-c1-eth0"]);
    await cache.remove("net", "c1", "eth0");
    await cache.remove("net", "c1", "eth0");
    expect(readdirSync(join(dir, "results"))).toEqual([]);
  });

  it("fsyncs each write (the file, then its directory) unless told not to, and replaces the record atomically either way", async () => {
    const original = fs.fsync;
    let fsyncs = 0;
    fs.fsync = ((fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
      fsyncs++;
      original(fd, done);
    }) as typeof fs.fsync;
    syncBuiltinESMExports();
    try {
      const cache = createResultCache(dir);
      await cache.write(record("c1"));
      expect(fsyncs).toBe(2);
      await cache.write({ ...record("c1"), netns: "/run/netns/y" }, { sync: false });
      expect(fsyncs).toBe(2);
      await expect(cache.read("net", "c1", "eth0")).resolves.toMatchObject({
        status: "found",
        record: { netns: "/run/netns/y" },
      });
      expect(readdirSync(join(dir, "results"))).toEqual(["net-c1-eth0"]);
    } finally {
      fs.fsync = original;
      syncBuiltinESMExports();
    }
  });

  it("a reserved write creates its temp file ahead: discarded it leaves nothing, committed it is the record", async () => {
    const cache = createResultCache(dir);
    const dropped = cache.reserve("net", "c1", "eth0");
    const kept = cache.reserve("net", "c2", "eth0");
    await vi.waitFor(() => expect(readdirSync(join(dir, "results")).filter((n) => n.endsWith(".tmp"))).toHaveLength(2));
    await dropped.discard();
    await kept.commit(record("c2"));
    expect(readdirSync(join(dir, "results"))).toEqual(["net-c2-eth0"]);
    await expect(cache.read("net", "c2", "eth0")).resolves.toMatchObject({ status: "found", record: record("c2") });
  });

  it("a write that cannot create its temp file fails on commit with the cause; discard does not throw", async () => {
    writeFileSync(join(dir, "results"), "not a directory");
    const cache = createResultCache(dir);
    await expect(cache.reserve("net", "c1", "eth0").commit(record("c1"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(cache.reserve("net", "c1", "eth0").discard()).resolves.toBeUndefined();
    await expect(cache.write(record("c1"))).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
