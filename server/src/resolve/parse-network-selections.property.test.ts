// Properties of the networks annotation parser (issue 8): whatever a pod's annotation holds, the
// result is selections that obey the rules, or a catalog DaemonError with a bounded, well-formed
// message — never another exception, never a stall.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepText, nastyJson, nastyString, PROTO_KEYS, runs, withinCpuMs } from "../../../test/helpers/property.js";
import { interfaceNameProblem } from "../cni/index.js";
import { MAX_MESSAGE_BYTES } from "../errors/bounded-text.js";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION } from "./annotations.js";
import { isDnsLabel } from "./name-checks.js";
import { parseNetworkSelections } from "./parse-network-selections.js";

const CODES = ["INVALID_ANNOTATION", "INTERFACE_CONFLICT", "LIMIT_EXCEEDED"];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The parser's contract for any value: valid selections, or a catalog error; in bounded time. */
async function checkAnyValue(value: string): Promise<void> {
  let out: ReturnType<typeof parseNetworkSelections> | undefined;
  await withinCpuMs(200, () => {
    try {
      out = parseNetworkSelections(value, "pod-ns", NETWORKS_ANNOTATION);
    } catch (err) {
      expect(err).toBeInstanceOf(DaemonError);
      const e = err as DaemonError;
      expect(CODES).toContain(e.code);
      expect(Buffer.byteLength(e.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(e.message).not.toMatch(LONE_SURROGATE);
    }
  });
  for (const sel of out ?? []) {
    expect(isDnsLabel(sel.name)).toBe(true);
    expect(isDnsLabel(sel.namespace ?? "")).toBe(true);
    if (sel.interface !== undefined) expect(interfaceNameProblem(sel.interface)).toBeUndefined();
  }
}

const element = fc.record(
  {
    name: fc.oneof(fc.constantFrom("blue", "a-b", ...PROTO_KEYS), nastyString()),
    namespace: fc.oneof(fc.constant("ns1"), nastyString()),
    interface: fc.oneof(fc.constantFrom("net1", "lo", "eth0", "a".repeat(16)), nastyString()),
    ips: fc.oneof(fc.constant(["10.1.1.1/24"]), nastyJson),
    mac: nastyJson,
    "default-route": nastyJson,
    portMappings: fc.oneof(
      fc.array(
        fc.record({ hostPort: fc.anything(), containerPort: fc.anything(), protocol: nastyJson }, { requiredKeys: [] }),
        { maxLength: 2 },
      ),
      nastyJson,
    ),
    bandwidth: fc.oneof(
      fc.record({ ingressRate: fc.anything(), ingressBurst: fc.anything() }, { requiredKeys: [] }),
      nastyJson,
    ),
    "cni-args": nastyJson,
    "ipam-claim-reference": nastyJson,
    [PROTO_KEYS[1]]: nastyJson,
  },
  { requiredKeys: [] },
);

describe("networks annotation: properties", () => {
  it("any string: selections that obey the rules, or a catalog error", async () => {
    await fc.assert(fc.asyncProperty(nastyString(200), checkAnyValue), runs(400));
  });

  it("any text-form list (ns/name@if, …): the same", async () => {
    const item = fc
      .tuple(fc.option(nastyString(10)), nastyString(12), fc.option(nastyString(18)))
      .map(([ns, name, ifName]) => `${ns === null ? "" : `${ns}/`}${name}${ifName === null ? "" : `@${ifName}`}`);
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 40 }), (items) => checkAnyValue(items.join(","))),
      runs(300),
    );
  });

  it("any JSON element list, with prototype keys, huge numbers and surrogates: the same", async () => {
    const value = fc.oneof(fc.array(element, { maxLength: 4 }), element, nastyJson);
    await fc.assert(
      fc.asyncProperty(value, (v) => checkAnyValue(JSON.stringify(v) ?? "")),
      runs(400),
    );
  });

  it("deep or huge input is refused by its limit in bounded time", async () => {
    const huge = fc.oneof(
      fc.integer({ min: 33, max: 200_000 }).map((d) => `[{"name":"blue","cni-args":{"a":${deepText(d)}}}]`),
      fc.integer({ min: 33, max: 200_000 }).map((d) => deepText(d, "{", "}")),
      fc.integer({ min: 40, max: 100_000 }).map((n) => Array.from({ length: n }, () => "blue").join(",")),
      fc.integer({ min: 256 * 1024 + 1, max: 1_000_000 }).map((n) => "x".repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(huge, async (value) => {
        const err = await withinCpuMs(500, () => {
          try {
            parseNetworkSelections(value, "pod-ns", NETWORKS_ANNOTATION);
          } catch (e) {
            return e;
          }
          return undefined;
        });
        expect((err as DaemonError).code).toBe("LIMIT_EXCEEDED");
      }),
      runs(30),
    );
  });

  it("regression: JSON.parse quoting the input cut mid surrogate pair gives a well-formed message", () => {
    const value = `xa[${"\u{1F600}".repeat(20)}`;
    expect(() => parseNetworkSelections(value, "pod-ns", NETWORKS_ANNOTATION)).toThrow(DaemonError);
    try {
      parseNetworkSelections(value, "pod-ns", NETWORKS_ANNOTATION);
    } catch (err) {
      expect((err as Error).message).not.toMatch(LONE_SURROGATE);
    }
  });

  it("regression: prototype keys are unknown keys, not fields", () => {
    for (const key of PROTO_KEYS) {
      const value = JSON.stringify([{ name: "blue", [key]: 1 }]);
      expect(() => parseNetworkSelections(value, "pod-ns", NETWORKS_ANNOTATION)).toThrow(/unknown key/);
    }
  });
});
