import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDefinitionDirSource } from "./definition-dir-source.js";
import { createDirReader } from "./dir-reader.js";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => (dir = mkdtempSync(join(tmpdir(), "na-dir-")));

const nad = (name: string): string =>
  `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: ${name}, namespace: default}\n` +
  `spec: {config: '{"cniVersion":"1.0.0","type":"bridge"}'}\n`;

describe("createDirReader", () => {
  it("does not read a file over maxFileBytes, names it with the limit, and loads the others", async () => {
    fresh();
    writeFileSync(join(dir, "a.yaml"), nad("a"));
    const big = `# ${"x".repeat(10_000)}\n${nad("big")}`;
    writeFileSync(join(dir, "big.yaml"), big);
    const source = createDefinitionDirSource({ dir, confDir: join(dir, "none"), maxFileBytes: 4096 });
    const found = await source.lookup({ namespace: "default", name: "a" });
    expect(found.found?.name).toBe("a");
    const missing = await source.lookup({ namespace: "default", name: "big" });
    expect(missing.found === undefined && missing.tried).toContain(
      `definitions dir ${dir}: ${join(dir, "big.yaml")} could not be read: is ${big.length} bytes: over limits.maxDefinitionFileBytes (4096)`,
    );
  });

  it("reads a file again once it is back under the limit", async () => {
    fresh();
    const reader = createDirReader(dir, [".json"], (text) => text.length, { maxFileBytes: 100 });
    writeFileSync(join(dir, "x.json"), "y".repeat(200));
    expect((await reader.read()).unreadable).toHaveLength(1);
    writeFileSync(join(dir, "x.json"), "y".repeat(20));
    expect((await reader.read()).files).toEqual([{ path: join(dir, "x.json"), parsed: 20 }]);
  });

  it("lets the event loop run while it reads and parses many files, and parses each once for lookups at once", async () => {
    fresh();
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, `f${String(i).padStart(3, "0")}.json`), `{"i":${i}}`);
    const parsed: string[] = [];
    const reader = createDirReader(dir, [".json"], (text, path) => (parsed.push(path), JSON.parse(text) as unknown));
    let turns = 0;
    let done = false;
    const spin = (): void => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const [a, b] = await Promise.all([reader.read(), reader.read()]);
    done = true;
    expect(a.files).toHaveLength(200);
    expect(b.files).toEqual(a.files);
    expect(parsed).toHaveLength(200);
    expect(turns).toBeGreaterThan(10);
  });
});
