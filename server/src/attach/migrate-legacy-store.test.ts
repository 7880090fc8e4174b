import { existsSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stateLayout } from "../config/index.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";
import { migrateLegacyStore } from "./migrate-legacy-store.js";
import { buildPlan } from "./plan.js";
import { conf, network, request, tempStore } from "./testing.test-helper.js";

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof fsp>();
  return { ...actual, readdir: vi.fn(actual.readdir), rm: vi.fn(actual.rm) };
});
afterEach(() => void vi.mocked(fsp.readdir).mockClear());

function record(containerId: string): AttachmentRecord {
  const plan = buildPlan(request({ containerId }), [network("cluster", "cbr0", conf("cbr0", "bridge"))]);
  return {
    version: 1,
    plan,
    results: {},
    phase: "attached",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** The outcome when there is nothing to migrate. */
const NOTHING = { moved: [], duplicates: [], conflicts: [], left: [], failed: [] };

describe("migrateLegacyStore", () => {
  const t = tempStore("migrate-");

  it("moves records from <stateDir>/attachments/attachments to <stateDir>/attachments, where the store reads them", async () => {
    const layout = stateLayout({ stateDir: t.dir });
    await mkdir(layout.legacyAttachmentsDir, { recursive: true });
    await writeFile(join(layout.legacyAttachmentsDir, "c1.json"), JSON.stringify(record("c1")));
    await writeFile(join(layout.legacyAttachmentsDir, "c2.json"), JSON.stringify(record("c2")));
    await writeFile(join(layout.legacyAttachmentsDir, ".c3.json.0a1b2c3d4e5f.tmp"), "");

    const outcome = await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir);

    expect(outcome).toEqual({ ...NOTHING, moved: ["c1", "c2"] });
    expect((await readdir(layout.attachmentsDir)).sort()).toEqual(["c1.json", "c2.json"]);
    expect(existsSync(layout.legacyAttachmentsDir)).toBe(false);
    const store = createFileAttachmentStore(layout.attachmentsDir);
    expect(await store.load("c1")).toEqual({ state: "found", record: record("c1") });
    expect((await store.list()).map((e) => e.containerId)).toEqual(["c1", "c2"]);
  });

  it("decides at once about a legacy record whose container has a current one: an exact copy goes, a different one moves aside; neither is promoted once the current one is gone", async () => {
    const layout = stateLayout({ stateDir: t.dir });
    await mkdir(layout.legacyAttachmentsDir, { recursive: true });
    const current = JSON.stringify({ ...record("c1"), phase: "detaching" });
    await writeFile(join(layout.legacyAttachmentsDir, "c1.json"), JSON.stringify(record("c1")));
    await writeFile(join(layout.attachmentsDir, "c1.json"), current);
    await writeFile(join(layout.legacyAttachmentsDir, "c2.json"), JSON.stringify(record("c2")));
    await writeFile(join(layout.attachmentsDir, "c2.json"), JSON.stringify(record("c2")));
    // An earlier conflict of c1 moved aside is never overwritten.
    await writeFile(join(layout.attachmentsDir, "c1.json.legacy-conflict"), "earlier");

    const outcome = await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir);

    const aside = join(layout.attachmentsDir, "c1.json.legacy-conflict-2");
    expect(outcome).toEqual({
      moved: [],
      duplicates: ["c2"],
      conflicts: [{ containerId: "c1", path: aside }],
      left: [],
      failed: [],
    });
    expect(existsSync(layout.legacyAttachmentsDir)).toBe(false);
    expect(await readFile(join(layout.attachmentsDir, "c1.json"), "utf8")).toBe(current);
    expect(JSON.parse(await readFile(aside, "utf8"))).toEqual(record("c1"));
    expect(await readFile(join(layout.attachmentsDir, "c1.json.legacy-conflict"), "utf8")).toBe("earlier");
    const store = createFileAttachmentStore(layout.attachmentsDir);
    expect((await store.list()).map((e) => e.containerId)).toEqual(["c1", "c2"]);

    // The pod's DEL removes the current records; the next start brings back no ghost.
    await store.remove("c1");
    await store.remove("c2");
    expect(await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir)).toEqual(NOTHING);
    expect(await store.list()).toEqual([]);
  });

  it("does nothing when there is no old directory", async () => {
    const layout = stateLayout({ stateDir: t.dir });
    expect(await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir)).toEqual(NOTHING);
  });

  it("never throws: a new place that cannot be made leaves every record where it was, named; an old one that cannot be read is a failure", async () => {
    const layout = stateLayout({ stateDir: t.dir });
    await mkdir(layout.legacyAttachmentsDir, { recursive: true });
    await writeFile(join(layout.legacyAttachmentsDir, "c1.json"), "old");
    const blocked = join(t.dir, "not-a-dir");
    await writeFile(blocked, "");
    const target = join(blocked, "attachments");

    expect(await migrateLegacyStore(layout.legacyAttachmentsDir, target)).toEqual({
      moved: [],
      duplicates: [],
      conflicts: [],
      left: [{ containerId: "c1", why: expect.stringMatching(/^ENOTDIR .* on .*not-a-dir/) as unknown }],
      failed: [],
    });
    expect(await readFile(join(layout.legacyAttachmentsDir, "c1.json"), "utf8")).toBe("old");

    const unreadable = await migrateLegacyStore(blocked, layout.attachmentsDir);
    expect(unreadable.failed.map((f) => [f.path, (f.error as NodeJS.ErrnoException).code])).toEqual([
      [blocked, "ENOTDIR"],
    ]);
  });

  it("lists the old directory once, for its records and its temp files; a temp file it cannot remove is named, the records still move", async () => {
    const layout = stateLayout({ stateDir: t.dir });
    await mkdir(layout.legacyAttachmentsDir, { recursive: true });
    await writeFile(join(layout.legacyAttachmentsDir, "c1.json"), JSON.stringify(record("c1")));
    const temp = join(layout.legacyAttachmentsDir, ".c2.json.0a1b2c3d4e5f.tmp");
    await writeFile(temp, "");
    const erofs = Object.assign(new Error(`EROFS: read-only file system, unlink '${temp}'`), { code: "EROFS" });
    vi.mocked(fsp.rm).mockRejectedValueOnce(erofs); // the one temp file, as on a read-only disk

    const outcome = await migrateLegacyStore(layout.legacyAttachmentsDir, layout.attachmentsDir);

    expect(outcome).toEqual({
      moved: ["c1"],
      duplicates: [],
      conflicts: [],
      left: [],
      failed: [{ path: temp, error: erofs }],
    });
    const listings = vi.mocked(fsp.readdir).mock.calls.filter(([dir]) => dir === layout.legacyAttachmentsDir);
    expect(listings).toHaveLength(1);
    expect(await readdir(layout.legacyAttachmentsDir)).toEqual([".c2.json.0a1b2c3d4e5f.tmp"]);
  });
});
