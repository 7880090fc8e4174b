// Properties of the one place that bounds text for messages, logs and gRPC trailers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nastyJson, nastyString, runs } from "../../../test/helpers/property.js";
import { boundText, quoteInput } from "./bounded-text.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("bounded text: properties", () => {
  it("boundText: within the byte bound, well-formed (encodeURI, as grpc-js does to the status message, never throws)", () => {
    fc.assert(
      fc.property(nastyString(3000), fc.integer({ min: 40, max: 4096 }), (text, max) => {
        const out = boundText(text, max);
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(() => encodeURI(out)).not.toThrow();
      }),
      runs(500),
    );
  });

  it("quoteInput: at most `max` characters and never splits a surrogate pair", () => {
    fc.assert(
      fc.property(fc.oneof(nastyString(200), nastyJson), fc.integer({ min: 8, max: 120 }), (value, max) => {
        const out = quoteInput(value, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(LONE_SURROGATE);
      }),
      runs(500),
    );
  });

  it("regression: a message holding a lone surrogate comes out well-formed", () => {
    expect(boundText("bad \uD800 and \uDC00x", 100)).toBe("bad \uFFFD and \uFFFDx");
    expect(quoteInput("😀".repeat(60), 80)).not.toMatch(LONE_SURROGATE);
  });
});
