// Properties of the daemon config loader (issue 8): any file text, any keys (Object.prototype's
// included), any values, in YAML or JSON, gives a config or a ConfigError whose issues are short
// and name the key — never another exception, a stall or a memory blow-up.
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
import { ConfigError } from "./config-error.js";
import { DEFAULTS } from "./daemon-config.js";
import { loadConfig } from "./load-config.js";

type Loaded = Awaited<ReturnType<typeof loadConfig>> | ConfigError;

async function load(name: string, text: string, ms = 1000): Promise<Loaded> {
  const files: Record<string, string> = { [name]: text };
  return withinCpuMs(ms, () =>
    loadConfig({
      argv: ["--config", name],
      env: {},
      cwd: "/",
      readFile: async (p) => files[p] ?? Promise.reject(new Error("ENOENT")),
    }).catch((err: unknown) => {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }),
  );
}

function expectShortIssues(out: Loaded): void {
  if (!(out instanceof ConfigError)) return;
  expect(out.issues.length).toBeGreaterThan(0);
  for (const issue of out.issues) expect(issue.length).toBeLessThan(1200);
}

const KEYS = [...Object.keys(DEFAULTS), "tls", "tcpListen", ...PROTO_KEYS];
const section = fc.dictionary(
  fc.oneof(fc.constantFrom(...KEYS, "maxJsonDepth", "mode", "nodeName"), nastyString(10)),
  nastyJson,
  { maxKeys: 4 },
);
const config = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), nastyString(10)), fc.oneof(nastyJson, section), {
  maxKeys: 6,
});

describe("daemon config: properties", () => {
  it("any mapping of keys and values, as YAML or JSON: a config or short issues", async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.boolean(), async (raw, asJson) => {
        const out = await load(asJson ? "/c.json" : "/c.yaml", asJson ? JSON.stringify(raw) : stringify(raw));
        expectShortIssues(out);
        if (!(out instanceof ConfigError) && "config" in out)
          expect(Object.getPrototypeOf(out.config)).toBe(Object.prototype);
      }),
      runs(300),
    );
  });

  it("any file text: a config or short issues", async () => {
    await fc.assert(
      fc.asyncProperty(nastyString(300), fc.constantFrom("/c.yaml", "/c.json"), async (text, name) =>
        expectShortIssues(await load(name, text)),
      ),
      runs(300),
    );
  });

  it("deep nesting and alias bombs are refused with an issue, in bounded time and memory", async () => {
    const bomb = (n: number): string => {
      let text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
      for (let i = 1; i <= n; i++)
        text += `b${i}: &b${i} [${Array(9)
          .fill(i === 1 ? "*a" : `*b${i - 1}`)
          .join(", ")}]\n`;
      return text;
    };
    const hostile = fc.oneof(
      fc.integer({ min: 17, max: 100_000 }).map((d) => ({ name: "/c.yaml", text: deepText(d) })),
      fc.integer({ min: 17, max: 100_000 }).map((d) => ({ name: "/c.yaml", text: "- ".repeat(d) + "x" })),
      fc.integer({ min: 17, max: 100_000 }).map((d) => ({ name: "/c.json", text: deepText(d, '{"a":', "}") })),
      fc.integer({ min: 3, max: 12 }).map((n) => ({ name: "/c.yaml", text: bomb(n) })),
    );
    await heapGrowthUnder(200, () =>
      fc.assert(
        fc.asyncProperty(hostile, async ({ name, text }) => {
          const out = await load(name, text, 3000);
          expect(out).toBeInstanceOf(ConfigError);
          expectShortIssues(out);
        }),
        runs(20),
      ),
    );
  });

  it("regression: Object.prototype's names are unknown keys, at the top and in sections", async () => {
    for (const key of PROTO_KEYS) {
      const out = await load(
        "/c.json",
        `{"clusterNetwork":"c",${JSON.stringify(key)}:1,"limits":{${JSON.stringify(key)}:2}}`,
      );
      if (out instanceof ConfigError || !("config" in out)) throw new Error(`${key}: not loaded`);
      expect(out.warnings.map((w) => w.key)).toEqual([key, `limits.${key}`]);
      expect(Object.hasOwn(out.config, key)).toBe(false);
      expect(Object.hasOwn(out.config.limits, key)).toBe(false);
    }
  });

  it("regression: 5000 nested flow sequences (which abort node inside the yaml library) are one issue", async () => {
    const out = await load("/c.yaml", deepText(5000));
    expect((out as ConfigError).issues).toContain("/c.yaml: nests more than 16 deep");
  });
});
