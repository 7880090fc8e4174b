import { describe, expect, it } from "vitest";
import { jsonTextDepth, jsonValueDepth } from "./json-depth.js";

describe("JSON depth", () => {
  it.each([
    ["1", 0],
    ['"[[[{"', 0],
    ["[]", 1],
    ['{"a":[1,{"b":"]]]"}]}', 3],
    ['["\\"[", [[]]]', 3],
  ])("text %s nests %i deep", (text, depth) => {
    expect(jsonTextDepth(text, 100)).toBe(depth);
    expect(jsonValueDepth(JSON.parse(text), 100)).toBe(depth);
  });

  it("stops counting just past the limit, in linear time, without recursion", () => {
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(jsonTextDepth(deep, 32)).toBe(33);
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(jsonValueDepth(value, 32)).toBe(33);
    expect(jsonValueDepth(value, 200_000)).toBe(100_000);
  });
});
