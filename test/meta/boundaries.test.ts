// Import boundaries: server/src/cni is sealed; domain code never sees gRPC, Kubernetes or generated code.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function tsFiles(dir: string): string[] {
  const abs = join(root, dir);
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
export function importsOf(source: string): string[] {
  const re = /(?:\bimport\s+(?:type\s+)?(?:[^"'`;]*?\sfrom\s+)?|\bexport\s+(?:type\s+)?[^"'`;]*?\sfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;
  return [...source.matchAll(re)].map((m) => m[1]!);
}

function violations(dir: string, bad: (spec: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of tsFiles(dir)) {
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (bad(spec, file)) out.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return out;
}

describe("import boundaries", () => {
  it("finds imports of every form (self-check)", () => {
    const src = `import a from "x1";\nimport type { B } from "x2";\nimport "x3";\nexport * from "x4";\nexport { c } from 'x5';\nconst d = await import("x6");\nimport {\n  e,\n} from "x7";`;
    expect(importsOf(src)).toEqual(["x1", "x2", "x3", "x4", "x5", "x6", "x7"]);
  });

  it("server/src/cni imports only node:* and its own files (tests may use vitest)", () => {
    const cniDir = join(root, "server/src/cni");
    const found = violations("server/src/cni", (spec, file) => {
      if (spec.startsWith("node:")) return false;
      if (spec === "vitest" && file.endsWith(".test.ts")) return false;
      if (!spec.startsWith(".")) return true;
      const target = resolve(dirname(file), spec);
      return relative(cniDir, target).startsWith("..");
    });
    expect(found).toEqual([]);
  });

  it.each(["server/src/attach", "server/src/resolve", "server/src/events", "server/src/metrics"])("%s never imports gRPC, Kubernetes or generated proto code", (dir) => {
    const forbidden = /nice-grpc|@grpc\/|@kubernetes\/|proto\/gen|\/grpc\/|\/kube\//;
    expect(violations(dir, (spec) => forbidden.test(spec))).toEqual([]);
  });
});
