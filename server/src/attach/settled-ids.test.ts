import { describe, expect, it } from "vitest";
import { createSettledIds } from "./settled-ids.js";

describe("settled ids", () => {
  it("knows an id until it is older than the age bound, by the monotonic clock", () => {
    let now = 0;
    const ids = createSettledIds({ max: 10, maxAgeMs: 1_000, monotonic: () => now });
    ids.add("a");
    now = 1_000;
    expect(ids.has("a")).toBe(true);
    expect(ids.has("b")).toBe(false);
    now = 1_001;
    expect(ids.has("a")).toBe(false);
  });

  it("keeps at most `max` ids, the oldest going first; adding again makes an id the newest", () => {
    let now = 0;
    const ids = createSettledIds({ max: 2, maxAgeMs: 60_000, monotonic: () => now++ });
    ids.add("a");
    ids.add("b");
    ids.add("a");
    ids.add("c");
    expect(["a", "b", "c"].map((id) => ids.has(id))).toEqual([true, false, true]);
  });
});
