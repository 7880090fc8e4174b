import * as fsp from "node:fs/promises";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stateDirProblem } from "./state-dir-problem.js";

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof fsp>();
  return { ...actual, access: vi.fn(actual.access) };
});

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), "state-dir-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const tail = ": ADDs cannot save their attachments (DELs are still served)";

describe("stateDirProblem", () => {
  it("is undefined for a writable directory, and writes nothing to find out", async () => {
    expect(await stateDirProblem(dir)).toBeUndefined();
    expect(await fsp.readdir(dir)).toEqual([]);
  });

  it("names the dir and the errno when it was removed", async () => {
    const gone = join(dir, "state");
    expect(await stateDirProblem(gone)).toBe(
      `state dir ${gone} cannot be written: ENOENT (no such file or directory) on ${gone}${tail}`,
    );
  });

  it("names a file in its place", async () => {
    const file = join(dir, "state");
    await writeFile(file, "");
    expect(await stateDirProblem(file)).toBe(`state dir ${file} is not a directory${tail}`);
  });

  it("names a read-only disk (access W_OK fails with EROFS)", async () => {
    const erofs = Object.assign(new Error(`EROFS: read-only file system, access '${dir}'`), {
      code: "EROFS",
      errno: -30,
      path: dir,
    });
    vi.mocked(fsp.access).mockRejectedValueOnce(erofs);
    expect(await stateDirProblem(dir)).toBe(
      `state dir ${dir} cannot be written: EROFS (read-only file system) on ${dir}${tail}`,
    );
  });
});
