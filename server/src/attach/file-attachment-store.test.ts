import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttachmentRecord } from "./attachment-store.js";
import { createFileAttachmentStore, removeTempFiles } from "./file-attachment-store.js";
import { buildPlan } from "./plan.js";
import { conf, network, request, rejection } from "./testing.test-helper.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "attach-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(containerId: string): AttachmentRecord {
  const plan = buildPlan(request({ containerId }), [network("cluster", "cbr0", conf("cbr0", "bridge"))]);
  return {
    version: 1,
    plan,
    results: {},
    phase: "attaching",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

describe("file attachment store", () => {
  it("round-trips a record as <dir>/<containerId>.json", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    const read = await store.load("c1");
    expect(read).toEqual({ state: "found", record: record("c1") });
    expect(JSON.parse(await readFile(join(dir, "attachments", "c1.json"), "utf8"))).toEqual(record("c1"));
  });

  it("reports a missing record as missing", async () => {
    expect(await createFileAttachmentStore(join(dir, "attachments")).load("nope")).toEqual({ state: "missing" });
  });

  it("reports unparsable and wrongly shaped files as corrupt, with the path", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    const path = join(dir, "attachments", "c1.json");
    await writeFile(path, '{"version":1,"plan":{"contain');
    const torn = await store.load("c1");
    expect(torn).toMatchObject({ state: "corrupt", path, problem: "not valid JSON" });
    await writeFile(path, JSON.stringify({ ...record("c2") }));
    expect(await store.load("c1")).toMatchObject({ state: "corrupt", problem: 'plan is for container "c2"' });
    await writeFile(path, JSON.stringify({ version: 1, plan: { containerId: "c1", delegates: [{}] }, results: {} }));
    expect(await store.load("c1")).toMatchObject({
      state: "corrupt",
      problem: "a delegate lacks network, ifName or config",
    });
  });

  it("reads a newer format that declares this one may read it, and keeps its version and unknown fields on a rewrite", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    const path = join(dir, "attachments", "c1.json");
    await store.save(record("c1"));
    const newer = { ...record("c1"), version: 2, minReaderVersion: 1, futureField: { keep: "me" } };
    await writeFile(path, JSON.stringify(newer));
    const read = await store.load("c1");
    expect(read).toEqual({ state: "found", record: newer });
    if (read.state !== "found") return;
    await store.save({ ...read.record, phase: "attached" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ ...newer, phase: "attached" });
  });

  it("reports a record a newer netattachd wrote in a format this one does not read as too-new, never corrupt", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    const path = join(dir, "attachments", "c1.json");
    await mkdir(join(dir, "attachments"));
    // Its shape is the newer format's business: not judged.
    await writeFile(path, JSON.stringify({ version: 2, plan: "whatever v2 holds" }));
    expect(await store.load("c1")).toEqual({ state: "too-new", path, version: 2, minReaderVersion: 2 });
    await writeFile(path, JSON.stringify({ ...record("c1"), version: 5, minReaderVersion: 3 }));
    expect(await store.load("c1")).toEqual({ state: "too-new", path, version: 5, minReaderVersion: 3 });
    expect((await store.list()).map((e) => e.read.state)).toEqual(["too-new"]);
  });

  it.each([
    [{ version: 0 }, "unknown version 0"],
    [{ version: "2" }, 'unknown version "2"'],
    [{ version: 1.5 }, "unknown version 1.5"],
    [{ version: 1, minReaderVersion: 2 }, "minReaderVersion 2 is not a version from 1 to its version 1"],
    [{ version: 2, minReaderVersion: 0 }, "minReaderVersion 0 is not a version from 1 to its version 2"],
    [{ version: 2, minReaderVersion: null }, "minReaderVersion null is not a version from 1 to its version 2"],
  ])("reports a record whose format %j makes no sense as corrupt: %s", async (format, problem) => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await mkdir(join(dir, "attachments"));
    await writeFile(join(dir, "attachments", "c1.json"), JSON.stringify({ ...record("c1"), ...format }));
    expect(await store.load("c1")).toMatchObject({ state: "corrupt", problem });
  });

  it("replaces the file whole and leaves no temp file behind", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    const updated = { ...record("c1"), phase: "attached" as const };
    await Promise.all([store.save(updated), store.save(updated), store.save(updated)]);
    expect(await readdir(join(dir, "attachments"))).toEqual(["c1.json"]);
    expect(await store.load("c1")).toEqual({ state: "found", record: updated });
  });

  it("never shows a reader a partial file while writes go on", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    const big = { ...record("c1"), results: { eth0: { cniVersion: "1.0.0", pad: "x".repeat(2_000_000) } } };
    await store.save(record("c1"));
    const writes = Promise.all(Array.from({ length: 5 }, () => store.save(big)));
    const states = new Set<string>();
    for (let i = 0; i < 20; i++) states.add((await store.load("c1")).state);
    await writes;
    expect([...states]).toEqual(["found"]);
  });

  it("lists records (corrupt ones included) and ignores temp files", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    await store.save(record("c2"));
    await writeFile(join(dir, "attachments", "c3.json"), "garbage");
    await writeFile(join(dir, "attachments", ".c4.json.0123456789ab.tmp"), "{}");
    const listed = await store.list();
    expect(listed.map((e) => [e.containerId, e.read.state])).toEqual([
      ["c1", "found"],
      ["c2", "found"],
      ["c3", "corrupt"],
    ]);
  });

  it("reports a directory or a FIFO under a record's name as corrupt, without reading it, and lists the rest", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    await mkdir(join(dir, "attachments", "d.json"));
    execFileSync("mkfifo", [join(dir, "attachments", "f.json")]);
    const listed = await store.list();
    expect(listed.map((e) => [e.containerId, e.read])).toEqual([
      ["c1", { state: "found", record: record("c1") }],
      [
        "d",
        { state: "corrupt", path: join(dir, "attachments", "d.json"), problem: "not a regular file (a directory)" },
      ],
      ["f", { state: "corrupt", path: join(dir, "attachments", "f.json"), problem: "not a regular file (a FIFO)" }],
    ]);
  });

  it("removes idempotently", async () => {
    const store = createFileAttachmentStore(join(dir, "attachments"));
    await store.save(record("c1"));
    await store.remove("c1");
    await store.remove("c1");
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });

  it("refuses container ids that are not safe file names", async () => {
    const err = await rejection(createFileAttachmentStore(join(dir, "attachments")).load("../etc/passwd"));
    expect(err.code).toBe("INVALID_REQUEST");
  });

  it("reports an unwritable state dir as STATE_IO naming the errno and the path", async () => {
    await writeFile(join(dir, "file"), "");
    const err = await rejection(createFileAttachmentStore(join(dir, "file", "attachments")).save(record("c1")));
    expect(err.code).toBe("STATE_IO");
    expect(err.message).toBe(
      `cannot create ${join(dir, "file", "attachments")}: ENOTDIR (not a directory) on ${join(dir, "file", "attachments")}`,
    );
  });

  it("makes its directory again when it was removed while in use; a listing says nothing is there, GC's that records were lost", async () => {
    const path = join(dir, "state", "attachments");
    const store = createFileAttachmentStore(path);
    await store.save(record("c1"));
    await rm(join(dir, "state"), { recursive: true }); // an operator's rm -rf of the state dir

    await expect(store.list()).resolves.toEqual([]);
    await store.save(record("c2"));
    expect(await readdir(path)).toEqual(["c2.json"]);
    expect((await store.list()).map((e) => e.containerId)).toEqual(["c2"]);

    // c1 may still run: CNI GC must not take its cached attachments as stale (until a restart).
    const err = await rejection(store.list({ absentIsUnknown: true }));
    expect(err.code).toBe("STATE_IO");
    expect(err.message).toBe(
      `${path} was removed while netattachd ran: the attachments saved in it are unknown, so CNI GC cannot tell stale cached attachments from those of running pods and collects none; restart netattachd to accept the loss`,
    );
    const restarted = createFileAttachmentStore(path);
    expect((await restarted.list({ absentIsUnknown: true })).map((e) => e.containerId)).toEqual(["c2"]);
  });
});

describe("removeTempFiles", () => {
  it("removes what it can and returns what it cannot, with the error, instead of throwing", async () => {
    await writeFile(join(dir, ".c1.json.0123456789ab.tmp"), "");
    await mkdir(join(dir, ".c2.json.0123456789ab.tmp", "x"), { recursive: true }); // rm without recursive fails
    await writeFile(join(dir, "c3.json"), "{}");

    const swept = await removeTempFiles(dir);

    expect(swept.removed).toEqual([join(dir, ".c1.json.0123456789ab.tmp")]);
    expect(swept.failed).toEqual([
      { path: join(dir, ".c2.json.0123456789ab.tmp"), error: expect.objectContaining({ code: "ERR_FS_EISDIR" }) },
    ]);
    expect((await readdir(dir)).sort()).toEqual([".c2.json.0123456789ab.tmp", "c3.json"]);
    await expect(removeTempFiles(join(dir, "none"))).resolves.toEqual({ removed: [], failed: [] });
  });
});
