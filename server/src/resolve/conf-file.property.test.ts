// Properties of the CNI conf file reader (issue 8): any file text is a valid config or a short
// problem with a plausible network name — never an exception, never a file quoted whole.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepText, nastyJson, nastyString, runs, withinCpuMs } from "../../../test/helpers/property.js";
import { parseConfFile } from "./conf-file.js";

async function check(text: string): Promise<void> {
  const out = await withinCpuMs(1000, () => parseConfFile(text, "/etc/cni/net.d/10-x.conflist"));
  if (out.kind === "invalid") {
    expect(out.problem.length).toBeLessThan(400);
    expect(out.probableName.length).toBeLessThanOrEqual(253);
  }
}

describe("CNI conf files: properties", () => {
  it("any text, any JSON, confs and conflists with arbitrary fields", async () => {
    const conf = fc.record(
      {
        cniVersion: nastyJson,
        name: fc.oneof(nastyString(), fc.constant("n".repeat(100_000))),
        type: nastyJson,
        plugins: fc.oneof(fc.array(fc.record({ type: nastyJson }, { requiredKeys: [] }), { maxLength: 3 }), nastyJson),
      },
      { requiredKeys: [] },
    );
    const text = fc.oneof(
      nastyString(300),
      nastyJson.map((v) => JSON.stringify(v) ?? ""),
      conf.map((c) => JSON.stringify(c)),
      fc.integer({ min: 1, max: 20_000 }).map((d) => deepText(d, '{"a":', "}")),
    );
    await fc.assert(fc.asyncProperty(text, check), runs(200));
  });

  it("regression: a broken file with a 100 KB name is not quoted whole", async () => {
    const out = parseConfFile(`{"name": "${"n".repeat(100_000)}", "type": 1`, "/etc/cni/net.d/10-x.conf");
    expect(out).toMatchObject({ kind: "invalid", probableName: "10-x" });
  });
});
