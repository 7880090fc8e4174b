// The catalog and docs/errors.md must agree (fastify errors.test.js style).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../server/src/errors/error-codes.js";

const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
const catalog = Object.keys(ERROR_CODES);

/** `### \`CODE\`` headings with the first line of their body. */
function documented(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^### `([A-Z0-9_]+)`\n([^\n]*)/gm;
  for (const m of doc.matchAll(re)) out.set(m[1]!, m[2]!);
  return out;
}

describe("error catalog ⇄ docs/errors.md", () => {
  const docs = documented();

  it("documents every catalog code", () => {
    expect(catalog.filter((code) => !docs.has(code))).toEqual([]);
  });

  it("documents no code that the catalog lacks", () => {
    expect([...docs.keys()].filter((code) => !catalog.includes(code))).toEqual([]);
  });

  it("lists the codes in catalog order, each once", () => {
    const headings = [...doc.matchAll(/^### `([A-Z0-9_]+)`/gm)].map((m) => m[1]);
    expect(headings).toEqual(catalog);
  });

  it.each(catalog.filter((c) => c !== "PLUGIN_FAILED"))(
    "%s: documented status and CNI code match the catalog",
    (code) => {
      const info = ERROR_CODES[code as keyof typeof ERROR_CODES];
      expect(docs.get(code)).toMatch(new RegExp(`^\`${info.status}\` · CNI ${info.cniCode}\\.`));
    },
  );

  it("PLUGIN_FAILED documents that status and code come from the plugin", () => {
    expect(docs.get("PLUGIN_FAILED")).toMatch(/^Status from the plugin's code/);
  });
});
