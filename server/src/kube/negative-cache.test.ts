import { describe, expect, it } from "vitest";
import { createNegativeCache } from "./negative-cache.js";

describe("negative lookup cache", () => {
  it("trusts a 404 within the TTL and the same sync epoch only", () => {
    let now = 1_000;
    const cache = createNegativeCache(5_000, () => now);
    cache.remember("ns/a", 1);
    now += 2_000;
    expect(cache.age("ns/a", 1)).toBe(2_000);
    expect(cache.age("ns/a", 2)).toBeUndefined(); // the informer lost sync since
    cache.remember("ns/a", 2);
    expect(cache.age("ns/a", undefined)).toBeUndefined(); // not synced now
    cache.remember("ns/a", 2);
    now += 5_000;
    expect(cache.age("ns/a", 2)).toBeUndefined(); // expired
  });

  it("remembers nothing with a TTL of 0", () => {
    const cache = createNegativeCache(0);
    cache.remember("ns/a", 1);
    expect(cache.age("ns/a", 1)).toBeUndefined();
  });
});
