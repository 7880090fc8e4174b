// Import boundaries: server/src/cni is sealed; domain code never sees gRPC, Kubernetes or generated code.
import { existsSync, readFileSync, readdirSync } from "node:fs";
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
  const re =
    /(?:\bimport\s+(?:type\s+)?(?:[^"'`;]*?\sfrom\s+)?|\bexport\s+(?:type\s+)?[^"'`;]*?\sfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;
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

  it("server/src/cni imports only node:*, its own files and the node-only retry and atomic-file modules (tests may use vitest)", () => {
    const cniDir = join(root, "server/src/cni");
    const found = violations("server/src/cni", (spec, file) => {
      if (spec.startsWith("node:")) return false;
      if (spec === "vitest" && file.endsWith(".test.ts")) return false;
      if (!spec.startsWith(".")) return true;
      const target = resolve(dirname(file), spec);
      return (
        relative(cniDir, target).startsWith("..") && !NODE_ONLY_SHARED.some((shared) => target === join(root, shared))
      );
    });
    expect(found).toEqual([]);
  });

  it.each(["server/src/retry", "server/src/atomic-file"])(
    "%s imports only node:* and its own files (the CNI runtime uses it)",
    (dir) => {
      const found = violations(dir, (spec, file) => {
        if (spec.startsWith("node:") || (spec === "vitest" && file.endsWith(".test.ts"))) return false;
        return !spec.startsWith("./");
      });
      expect(found).toEqual([]);
    },
  );

  it.each(["server/src/attach", "server/src/resolve", "server/src/events", "server/src/metrics"])(
    "%s never imports gRPC, Kubernetes or generated proto code",
    (dir) => {
      const forbidden = /nice-grpc|@grpc\/|@kubernetes\/|proto\/gen|\/grpc\/|\/kube\//;
      expect(violations(dir, (spec) => forbidden.test(spec))).toEqual([]);
    },
  );

  it.each([
    ["spec", ["spec"]],
    ["invoke", ["spec", "invoke"]],
    ["result", ["spec", "result"]],
    ["conf", ["spec", "conf"]],
  ])("server/src/cni/%s imports only its own layer and the ones below it (%j)", (layer, allowed) => {
    const cniDir = join(root, "server/src/cni");
    const found = violations(`server/src/cni/${layer}`, (spec, file) => {
      if (!spec.startsWith(".")) return false;
      const target = relative(cniDir, resolve(dirname(file), spec));
      // What lies outside server/src/cni is the sealing test's business.
      return !target.startsWith("..") && !allowed.includes(target.split("/")[0]!);
    });
    expect(found).toEqual([]);
  });

  it("outside a folder with an index.ts, product code imports that folder only through it", () => {
    const folders = readdirSync(join(root, "server/src"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, "server/src", e.name, "index.ts")))
      .map((e) => join(root, "server/src", e.name));
    expect(folders.length).toBeGreaterThanOrEqual(7);
    const found = PRODUCT_DIRS.flatMap((dir) =>
      violations(dir, (spec, file) => {
        if (!spec.startsWith(".") || isTestFile(file)) return false;
        const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
        const folder = folders.find((f) => target.startsWith(`${f}/`) && !file.startsWith(`${f}/`));
        if (folder === undefined) return false;
        // A folder's index, or the index of one of its subfolders (cni/spec for the shim).
        return !/^(?:[^/]+\/)?index\.ts$/.test(relative(folder, target));
      }),
    );
    expect(found).toEqual([]);
  });

  it("product code has no import cycles (type-only imports count: they couple the files all the same)", () => {
    expect(importCycles(PRODUCT_DIRS)).toEqual([]);
  });

  it("finds a cycle (self-check)", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(stronglyConnected(graph)).toEqual([["a", "b", "c"]]);
  });
});

const PRODUCT_DIRS = ["server/src", "client-cni/src", "tools/src"];

/** Node-only modules the sealed CNI runtime may use besides its own files. */
const NODE_ONLY_SHARED = ["server/src/retry/index.js", "server/src/atomic-file/index.js"];

function isTestFile(file: string): boolean {
  return /\.test(?:-helper)?\.ts$/.test(file);
}

function importCycles(dirs: readonly string[]): string[][] {
  const files = dirs.flatMap(tsFiles).filter((f) => !isTestFile(f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(file, "utf8"))
      .filter((spec) => spec.startsWith("."))
      .map((spec) => resolve(dirname(file), spec).replace(/\.js$/, ".ts"))
      .filter((target) => known.has(target));
    graph.set(
      relative(root, file),
      targets.map((t) => relative(root, t)),
    );
  }
  return stronglyConnected(graph);
}

/** Tarjan's strongly connected components of more than one file, each sorted. */
function stronglyConnected(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
