import { describe, expect, it } from "vitest";
import { backoffDelay, createBackoff } from "./backoff.js";

const policy = { minMs: 250, maxMs: 30_000 };

describe("backoff", () => {
  it("doubles from min up to the cap, jittered within the upper half", () => {
    const top = (n: number) => backoffDelay(policy, n, () => 0.999999);
    const bottom = (n: number) => backoffDelay(policy, n, () => 0);
    expect([1, 2, 3, 4, 8, 9, 50].map(top)).toEqual([250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
    expect([1, 2, 3, 8, 50].map(bottom)).toEqual([125, 250, 500, 15_000, 15_000]);
  });

  it("counts failures and starts over after a reset", () => {
    const b = createBackoff(policy, () => 0.5);
    expect([b.next(), b.next(), b.next()]).toEqual([188, 375, 750]);
    expect(b.failures()).toBe(3);
    b.reset();
    expect(b.failures()).toBe(0);
    expect(b.next()).toBe(188);
  });
});
