// A result cache entry that cannot be removed (a read-only state disk) after the plugins did their job.
import * as fs from "node:fs";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cachePath, cleanupSetups, list, RT, setup } from "./runtime-setup.test-helper.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  return { ...actual, unlinkSync: vi.fn(actual.unlinkSync) };
});

afterEach(() => {
  vi.mocked(fs.unlinkSync).mockReset();
  cleanupSetups();
});

/** unlink fails as on a read-only mount for paths `readOnly` accepts. */
function readOnly(readOnlyPath: (path: string) => boolean): void {
  const actual = vi.mocked(fs.unlinkSync).getMockImplementation();
  vi.mocked(fs.unlinkSync).mockImplementation((path) => {
    if (readOnlyPath(String(path))) {
      throw Object.assign(new Error(`EROFS: read-only file system, unlink '${String(path)}'`), {
        code: "EROFS",
        errno: -30,
        syscall: "unlink",
        path: String(path),
      });
    }
    return actual?.(path);
  });
}

describe("a cache entry that cannot be removed", () => {
  it("does not fail a DEL whose plugins succeeded: reported as cache-left, removed by a later DEL", async () => {
    const { runtime, exec, events, cacheDir } = setup({ bridge: {}, portmap: {} });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "portmap" }]);
    await runtime.addNetworkList(conf, RT);
    const path = cachePath(cacheDir);
    readOnly((p) => p === path);

    await expect(runtime.delNetworkList(conf, RT, { keepGoing: true })).resolves.toBeUndefined();

    expect(exec.trace().filter((t) => t.startsWith("DEL"))).toEqual(["DEL portmap", "DEL bridge"]);
    const left = events.filter((e) => e.type === "cache-left");
    expect(left).toEqual([
      {
        type: "cache-left",
        network: "net1",
        containerId: "ctr1",
        ifName: "eth0",
        path,
        error: expect.objectContaining({ code: "EROFS" }) as Error,
      },
    ]);
    expect(existsSync(path)).toBe(true);

    vi.mocked(fs.unlinkSync).mockReset();
    await runtime.delNetworkList(conf, RT);
    expect(existsSync(path)).toBe(false);
  });

  it("does not fail an IPAM release that succeeded", async () => {
    const { runtime, events, cacheDir } = setup({ bridge: {}, "host-local": {} });
    const conf = list("1.0.0", [{ type: "bridge", ipam: { type: "host-local" } }]);
    await runtime.addNetworkList(conf, RT);
    readOnly((p) => p === cachePath(cacheDir));
    await expect(runtime.releaseNetworkList(conf, RT)).resolves.toBeUndefined();
    expect(events.filter((e) => e.type === "cache-left")).toHaveLength(1);
  });

  it("sweepCache goes on past what it cannot remove and returns it", async () => {
    const { runtime, cacheDir } = setup({});
    const results = join(cacheDir, "results");
    mkdirSync(results, { recursive: true });
    const stuck = join(results, "net1-ctr2-eth0.0123456789ab.tmp");
    writeFileSync(stuck, "");
    writeFileSync(join(results, "net1-ctr3-eth0.0123456789ac.tmp"), "");
    writeFileSync(join(results, "net1-ctr4-eth0"), "{not json");
    readOnly((p) => p === stuck);

    const swept = await runtime.sweepCache();

    expect(swept.tempFiles).toEqual([join(results, "net1-ctr3-eth0.0123456789ac.tmp")]);
    expect(swept.corrupt).toEqual([join(results, "net1-ctr4-eth0")]);
    expect(swept.failed).toEqual([{ path: stuck, error: expect.objectContaining({ code: "EROFS" }) as Error }]);
    expect(readdirSync(results)).toEqual(["net1-ctr2-eth0.0123456789ab.tmp"]);
  });
});
