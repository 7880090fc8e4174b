import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeIoError } from "./io-error.js";

describe("describeIoError", () => {
  it("names the errno, its meaning and the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "io-error-"));
    try {
      let caught: unknown;
      try {
        writeFileSync(join(dir, "missing", "x.json"), "{}");
      } catch (err) {
        caught = err;
      }
      expect(describeIoError(caught)).toBe(`ENOENT (no such file or directory) on ${join(dir, "missing", "x.json")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the message of anything else", () => {
    expect(describeIoError(new Error("boom"))).toBe("boom");
    expect(describeIoError("text")).toBe("text");
    expect(describeIoError(Object.assign(new Error("x"), { code: "ENOSPC", errno: -28 }))).toBe(
      "ENOSPC (no space left on device)",
    );
  });
});
