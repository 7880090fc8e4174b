import { describe, expect, it } from "vitest";
import { readYamlDocuments, yamlTextDepth } from "./bounded-yaml.js";

describe("yamlTextDepth", () => {
  it.each<[string, string, number]>([
    ["a scalar", "x", 0],
    ["an empty text", "", 0],
    ["a mapping", "a: 1", 1],
    ["block and flow nesting", "a:\n  b:\n    c: [1, {d: 2}]\n", 5],
    ["compact sequences", "- - - x", 3],
    ["JSON inside a block scalar, which is text", 'spec:\n  config: |\n    {"a": [[[[[[[[]]]]]]]]}\n', 2],
  ])("%s", (_what, text, depth) => expect(yamlTextDepth(text, 32)).toBe(depth));

  it.each<[string, string]>([
    ["100000 open flow sequences", "[".repeat(100_000)],
    ["100000 compact sequences", "- ".repeat(100_000)],
    ["1400 indented mappings", Array.from({ length: 1400 }, (_, i) => `${" ".repeat(i)}a:`).join("\n")],
  ])("stops just past the limit on %s, at once", (_what, text) => {
    const start = performance.now();
    expect(yamlTextDepth(text, 32)).toBe(33);
    expect(performance.now() - start).toBeLessThan(100);
  });
});

describe("readYamlDocuments", () => {
  it("gives each document's value or problem; an alias bomb is a problem, not a blow-up", () => {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i <= 9; i++)
      bomb += `b${i}: &b${i} [${Array(9)
        .fill(i === 1 ? "*a" : `*b${i - 1}`)
        .join(", ")}]\n`;
    const docs = readYamlDocuments(`a: 1\n---\n[x\n---\n${bomb}`);
    expect(docs[0]).toEqual({ value: { a: 1 } });
    expect(docs[1]).toEqual({ problem: expect.stringMatching(/at line \d+, column \d+/) });
    expect(docs[2]).toEqual({ problem: expect.stringMatching(/alias/i) });
  });
});
