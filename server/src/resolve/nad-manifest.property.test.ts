// Properties of the NetworkAttachmentDefinition manifest reader (issue 8): any file text — YAML
// or JSON, deep, aliased, with prototype keys — gives records and problems, never an exception,
// a stall or a memory blow-up; every record has DNS-1123 names.
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import {
  deepText,
  heapGrowthUnder,
  nastyJson,
  nastyString,
  PROTO_KEYS,
  runs,
  withinCpuMs,
} from "../../../test/helpers/property.js";
import { isDnsLabel } from "./name-checks.js";
import { parseNadManifest, type ManifestFile } from "./nad-manifest.js";

/** Bounded CPU time: linear in the text, so `ms` is generous for the 100 KiB hostile texts. */
async function read(text: string, ms = 1000): Promise<ManifestFile> {
  const out = await withinCpuMs(ms, () => parseNadManifest(text, "/defs/x.yaml"));
  for (const r of out.records) {
    expect(isDnsLabel(r.name)).toBe(true);
    expect(isDnsLabel(r.namespace)).toBe(true);
    expect(r.config === undefined || typeof r.config === "string").toBe(true);
  }
  for (const p of out.problems) expect(p.length).toBeLessThan(1200);
  return out;
}

const nad = fc.record(
  {
    apiVersion: fc.oneof(fc.constant("k8s.cni.cncf.io/v1"), nastyJson),
    kind: fc.oneof(fc.constantFrom("NetworkAttachmentDefinition", "List", ...PROTO_KEYS), nastyJson),
    metadata: fc.oneof(
      fc.record(
        {
          name: fc.oneof(fc.constantFrom("blue", ...PROTO_KEYS), nastyString()),
          namespace: fc.oneof(fc.constant("ns1"), nastyJson),
          annotations: nastyJson,
        },
        { requiredKeys: [] },
      ),
      nastyJson,
    ),
    spec: fc.oneof(
      fc.record(
        { config: fc.oneof(fc.constant('{"cniVersion":"1.0.0","type":"noop"}'), nastyJson) },
        { requiredKeys: [] },
      ),
      nastyJson,
    ),
    items: nastyJson,
  },
  { requiredKeys: [] },
);

describe("NetworkAttachmentDefinition manifests: properties", () => {
  it("any definitions (and lists of them), as YAML or JSON, one or several documents", async () => {
    const file = fc.tuple(
      fc.array(fc.oneof(nad, fc.record({ kind: fc.constant("List"), items: fc.array(nad, { maxLength: 3 }) })), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(file, async ([docs, asJson]) => {
        await read(
          asJson
            ? JSON.stringify(docs.length === 1 ? docs[0] : { kind: "List", items: docs })
            : docs.map((d) => stringify(d)).join("---\n"),
        );
      }),
      runs(300),
    );
  });

  it("any text", async () => {
    await fc.assert(
      fc.asyncProperty(nastyString(300), async (text) => void (await read(text))),
      runs(300),
    );
  });

  it("deep nesting and alias bombs are problems, in bounded time and memory", async () => {
    const hostile = fc.oneof(
      fc.integer({ min: 33, max: 100_000 }).map((d) => deepText(d)),
      fc
        .integer({ min: 33, max: 100_000 })
        .map((d) => `kind: NetworkAttachmentDefinition\nmetadata: {name: a}\nspec: ${"- ".repeat(d)}x`),
      fc.integer({ min: 6, max: 12 }).map((n) => {
        let text = "kind: NetworkAttachmentDefinition\nmetadata: {name: a}\nx0: &x0 [y, y, y, y, y, y, y, y, y]\n";
        for (let i = 1; i <= n; i++)
          text += `x${i}: &x${i} [${Array(9)
            .fill(`*x${i - 1}`)
            .join(", ")}]\n`;
        return text;
      }),
    );
    await heapGrowthUnder(200, () =>
      fc.assert(
        fc.asyncProperty(hostile, async (text) => {
          const out = await read(text, 3000);
          expect(out.records).toEqual([]);
          expect(out.problems).toHaveLength(1);
        }),
        runs(20),
      ),
    );
  });

  it("regression: 5000 nested flow sequences (which abort node inside the yaml library) are one problem", async () => {
    expect((await read(deepText(5000))).problems).toEqual(["nests more than 32 deep: over limits.maxJsonDepth (32)"]);
  });
});
