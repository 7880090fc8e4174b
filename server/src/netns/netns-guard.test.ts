import { fstatSync } from "node:fs";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchNetns, type ScratchNetns } from "../../../test/helpers/scratch-netns.js";
import { describeRoot } from "../../../test/helpers/root.js";
import { createNetnsGuard } from "./netns-guard.js";

describe("netns guard", () => {
  const guard = createNetnsGuard();
  let dir: string;
  let pod: ScratchNetns;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netns-guard-"));
    pod = await createScratchNetns();
  });
  afterAll(async () => {
    await pod.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts another network namespace, with a stable identity", () => {
    const a = guard.inspect(pod.path);
    expect(a).toMatchObject({ ok: true });
    expect(guard.inspect(pod.path)).toEqual(a);
  });

  it("refuses the daemon's own netns, directly and through a symlink", async () => {
    expect(guard.inspect("/proc/self/ns/net")).toMatchObject({ ok: false, problem: "host" });
    await symlink("/proc/self/ns/net", join(dir, "h"));
    expect(guard.inspect(join(dir, "h"))).toMatchObject({ ok: false, problem: "host" });
    expect(guard.inspect(`/proc/${process.pid}/ns/net`)).toMatchObject({ ok: false, problem: "host" });
  });

  it("refuses what is not a network namespace, naming what it is", async () => {
    await writeFile(join(dir, "file"), "");
    await mkdir(join(dir, "d"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(guard.inspect(join(dir, "file"))).toEqual({
      ok: false,
      problem: "not-netns",
      detail: "is a regular file, not a network namespace",
    });
    expect(guard.inspect(join(dir, "d"))).toEqual({
      ok: false,
      problem: "not-netns",
      detail: "is a directory, not a network namespace",
    });
    expect(guard.inspect(join(dir, "fifo"))).toEqual({
      ok: false,
      problem: "not-netns",
      detail: "is a FIFO, not a network namespace",
    });
    expect(guard.inspect("/dev/null")).toMatchObject({
      ok: false,
      problem: "not-netns",
      detail: "is a device, not a network namespace",
    });
    expect(guard.inspect("/proc/self/ns/mnt")).toEqual({
      ok: false,
      problem: "not-netns",
      detail: "is a mnt namespace, not a network namespace",
    });
  });

  // mount(8) needs root: skipped loudly outside CI, never in it.
  describeRoot("netns guard on bind mounts", () => {
    it("refuses a bind mount of another kind of namespace, read from the mount table", async () => {
      const uts = join(dir, "uts");
      await writeFile(uts, "");
      execFileSync("mount", ["--bind", "/proc/self/ns/uts", uts]);
      try {
        expect(guard.inspect(uts)).toEqual({
          ok: false,
          problem: "not-netns",
          detail: "is a uts namespace, not a network namespace",
        });
      } finally {
        execFileSync("umount", [uts]);
      }
    });
  });

  it("a pin holds the namespace it checked, whatever the path names later, until released", async () => {
    const link = join(dir, "repointed");
    await symlink(pod.path, link);
    const pinned = guard.pin(link);
    if (!pinned.ok) throw new Error(pinned.detail);
    expect(pinned.handle).toMatch(new RegExp(`^/proc/${process.pid}/fd/\\d+$`));
    await rm(link);
    await symlink("/proc/self/ns/net", link);
    expect(guard.inspect(link)).toMatchObject({ ok: false, problem: "host" });
    // The handle still leads to the pod's namespace, for any process (plugins, nsenter).
    const viaHandle = execFileSync("stat", ["-L", "-c", "%d:%i", pinned.handle]).toString().trim();
    expect(viaHandle).toBe(pinned.id);
    pinned.release();
    pinned.release();
    expect(() => fstatSync(Number(pinned.handle.split("/").pop()))).toThrow(/EBADF/);
  });

  it("tells a missing path and a relative one apart", () => {
    expect(guard.inspect(join(dir, "nope"))).toMatchObject({ ok: false, problem: "missing" });
    expect(guard.inspect(join(dir, "file", "below"))).toMatchObject({ ok: false, problem: "missing" });
    expect(guard.inspect("run/netns/x")).toMatchObject({ ok: false, problem: "not-absolute" });
  });

  it("protects any path it is told to", () => {
    const strict = createNetnsGuard({ protectedPaths: [pod.path] });
    expect(strict.inspect(pod.path)).toMatchObject({ ok: false, problem: "host" });
  });

  it("finds a way into a namespace through a process inside it, and none once no process holds it", async () => {
    const other = await createScratchNetns();
    const id = (guard.inspect(other.path) as { id: string }).id;
    const holder = guard.findHolder?.(id);
    expect(holder).toMatch(/^\/proc\/\d+\/ns\/net$/);
    expect(guard.inspect(holder!)).toEqual({ ok: true, id });
    await other.close();
    expect(guard.findHolder?.(id)).toBeUndefined();
    // Never the node's own.
    const own = execFileSync("stat", ["-L", "-c", "%d:%i", "/proc/self/ns/net"]).toString().trim();
    expect(guard.findHolder?.(own)).toBeUndefined();
  });
});
