import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CniError } from "../spec/errors.js";
import { findInPath } from "./find-in-path.js";

let root: string;
let a: string;
let b: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cni-find-"));
  a = join(root, "a");
  b = join(root, "b");
  mkdirSync(a);
  mkdirSync(b);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const exe = (dir: string, name: string, mode = 0o755): void => {
  writeFileSync(join(dir, name), "#!/bin/sh\n");
  chmodSync(join(dir, name), mode);
};

describe("findInPath", () => {
  it("returns the first executable regular file in dir order", async () => {
    exe(b, "bridge");
    exe(a, "bridge");
    await expect(findInPath("bridge", [a, b])).resolves.toBe(join(a, "bridge"));
  });

  it("skips directories and non-executable files", async () => {
    mkdirSync(join(a, "bridge"));
    exe(b, "bridge", 0o644);
    const err = (await findInPath("bridge", [a, b]).catch((e: unknown) => e)) as CniError;
    expect(err).toMatchObject({ kind: "plugin-not-found", code: 7, plugin: "bridge" });
    expect(err.details).toContain("not a regular file");
    expect(err.details).toContain("not executable");
  });

  it("names every directory searched when the plugin is missing", async () => {
    const err = (await findInPath("nope", [a, b, "/nonexistent"]).catch((e: unknown) => e)) as CniError;
    expect(err).toMatchObject({ kind: "plugin-not-found", code: 7 });
    expect(err.msg).toBe(`failed to find plugin "nope" in path [${a} ${b} /nonexistent]`);
  });

  it.each(["../bridge", "sub/bridge", "a\\b", "..", ""])("rejects the type %j", async (type) => {
    await expect(findInPath(type, [a])).rejects.toMatchObject({ kind: "plugin-type-invalid", code: 7 });
  });
});
