import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isTempFile, startAtomicWrite, writeFileAtomic } from "./atomic-write.js";

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "atomic-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("atomic writes", () => {
  it("replace the target whole and leave no temp file", async () => {
    writeFileSync(join(dir, "a.json"), "old");
    await writeFileAtomic(join(dir, "a.json"), "new");
    expect(readFileSync(join(dir, "a.json"), "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("a started write holds a hidden temp file until discarded; the target is untouched", async () => {
    writeFileSync(join(dir, "a.json"), "old");
    const write = startAtomicWrite(join(dir, "a.json"));
    await vi.waitFor(() => expect(readdirSync(dir).filter(isTempFile)).toHaveLength(1));
    expect(readdirSync(dir).find(isTempFile)).toMatch(/^\.a\.json\.[0-9a-f]{12}\.tmp$/);
    await write.discard();
    expect(readdirSync(dir)).toEqual(["a.json"]);
    expect(readFileSync(join(dir, "a.json"), "utf8")).toBe("old");
  });

  it("makes a missing directory only when asked, and names the target in the error otherwise", async () => {
    await expect(writeFileAtomic(join(dir, "sub", "a"), "x")).rejects.toMatchObject({ code: "ENOENT" });
    await writeFileAtomic(join(dir, "sub", "a"), "x", { makeDir: true });
    expect(readFileSync(join(dir, "sub", "a"), "utf8")).toBe("x");
  });

  it("tells temp files (both schemes) from records, even records named with dots", () => {
    expect(isTempFile(".c1.json.0123456789ab.tmp")).toBe(true);
    expect(isTempFile("net-c1-eth0.0123456789ab.tmp")).toBe(true);
    expect(isTempFile("c1.json")).toBe(false);
    expect(isTempFile("net-c1-a.tmp")).toBe(false);
  });
});
