// Start-up cleanup on a state disk that went read-only after a crash left temp files behind.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCniRuntime } from "../cni/index.js";
import { createFakePluginExec } from "../cni/runtime/fake-plugin-exec.test-helper.js";
import { stateLayout } from "../config/index.js";
import { startupCleanup } from "./startup-cleanup.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  return { ...actual, unlinkSync: vi.fn(actual.unlinkSync) };
});
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof fsp>();
  return { ...actual, rm: vi.fn(actual.rm) };
});

let stateDir: string;
beforeEach(() => void (stateDir = mkdtempSync(join(tmpdir(), "startup-cleanup-"))));
afterEach(() => {
  vi.mocked(fs.unlinkSync).mockReset();
  vi.mocked(fsp.rm).mockReset();
  rmSync(stateDir, { recursive: true, force: true });
});

const erofs = (path: string): Error =>
  Object.assign(new Error(`EROFS: read-only file system, unlink '${path}'`), {
    code: "EROFS",
    errno: -30,
    syscall: "unlink",
    path,
  });

/** Every unlink and rm under stateDir fails as on a read-only mount. */
function readOnlyStateDir(): void {
  const unlink = vi.mocked(fs.unlinkSync).getMockImplementation()!;
  vi.mocked(fs.unlinkSync).mockImplementation((p) => {
    if (String(p).startsWith(stateDir)) throw erofs(String(p));
    unlink(p);
  });
  const rm = vi.mocked(fsp.rm).getMockImplementation()!;
  vi.mocked(fsp.rm).mockImplementation((p, o) =>
    String(p).startsWith(stateDir) ? Promise.reject(erofs(String(p))) : rm(p, o),
  );
}

interface LogLine {
  level: number;
  msg: string;
  file?: string;
  errno?: string;
  containerIds?: string[];
}

/** Runs startupCleanup on `layout` with a runtime that runs nothing; returns the lines it logged. */
async function cleanUp(layout: ReturnType<typeof stateLayout>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) });
  const runtime = createCniRuntime({
    exec: createFakePluginExec({}),
    binDirs: [],
    cacheDir: layout.cacheDir,
    pluginTimeoutMs: 1000,
  });
  await startupCleanup({ layout, runtime, pluginOwner: stateDir, log });
  return lines;
}

describe("startupCleanup", () => {
  it("goes on past temp files it cannot remove, with a warn line naming each file, its errno and the read-only disk", async () => {
    const layout = stateLayout({ stateDir });
    mkdirSync(layout.attachmentsDir, { recursive: true });
    mkdirSync(join(layout.cacheDir, "results"), { recursive: true });
    const storeTemp = join(layout.attachmentsDir, ".c1.json.0123456789ab.tmp");
    const cacheTemp = join(layout.cacheDir, "results", ".net1-c1-net1.0123456789ab.tmp");
    writeFileSync(storeTemp, "");
    writeFileSync(cacheTemp, "");
    readOnlyStateDir();
    const lines = await cleanUp(layout);

    const warns = lines.filter((l) => l.level === 40).map(({ msg, file, errno }) => ({ msg, file, errno }));
    const readOnly =
      "; the state dir is read-only (a disk error remount?): DELs are served, ADDs fail until it is writable again";
    expect(warns).toEqual([
      {
        file: storeTemp,
        errno: "EROFS",
        msg: `could not clean up ${storeTemp}, left by a previous netattachd: EROFS (read-only file system) on ${storeTemp}; left in place${readOnly}`,
      },
      {
        file: cacheTemp,
        errno: "EROFS",
        msg: `could not clean up ${cacheTemp}, left by a previous netattachd: EROFS (read-only file system) on ${cacheTemp}; left in place${readOnly}`,
      },
    ]);
    expect(existsSync(storeTemp) && existsSync(cacheTemp)).toBe(true);
  });

  it("says in one warn line which legacy records differed from the current ones and where they were moved aside; exact copies are an info line", async () => {
    const layout = stateLayout({ stateDir });
    mkdirSync(layout.legacyAttachmentsDir, { recursive: true });
    for (const [dir, id, text] of [
      [layout.legacyAttachmentsDir, "c1", '{"old":1}'],
      [layout.attachmentsDir, "c1", '{"new":1}'],
      [layout.legacyAttachmentsDir, "c2", '{"old":2}'],
      [layout.attachmentsDir, "c2", '{"new":2}'],
      [layout.legacyAttachmentsDir, "c3", '{"same":3}'],
      [layout.attachmentsDir, "c3", '{"same":3}'],
    ] as const)
      writeFileSync(join(dir, `${id}.json`), text);
    const lines = await cleanUp(layout);

    const aside = (id: string): string => join(layout.attachmentsDir, `${id}.json.legacy-conflict`);
    expect(
      lines.filter((l) => l.level >= 30).map(({ level, msg, containerIds }) => ({ level, msg, containerIds })),
    ).toEqual([
      {
        level: 30,
        containerIds: ["c3"],
        msg: "removed saved attachments left at the old state path: each was an exact copy of the current one",
      },
      {
        level: 40,
        containerIds: ["c1", "c2"],
        msg: `saved attachment(s) at the old state path differ from the current one of the same container: moved aside, never used (${aside("c1")}, ${aside("c2")}); compare each with the current record, then remove it`,
      },
    ]);
    expect(existsSync(aside("c1")) && existsSync(aside("c2")) && !existsSync(layout.legacyAttachmentsDir)).toBe(true);
  });
});
