import { describe, expect, it } from "vitest";
import { interfaceNameProblem, isDnsLabel } from "./name-checks.js";

describe("isDnsLabel", () => {
  it.each(["a", "a-b", "0", "abc123", "a".repeat(63)])("accepts %s", (v) => expect(isDnsLabel(v)).toBe(true));
  it.each(["", "A", "a_b", "a.b", "-a", "a-", "a b", "a".repeat(64)])("rejects %j", (v) => expect(isDnsLabel(v)).toBe(false));
});

describe("interfaceNameProblem", () => {
  it.each(["eth0", "net1", "data-0", "a", "abcdefghijklmno", "veth.100"])("accepts %s", (v) => expect(interfaceNameProblem(v)).toBeUndefined());
  it.each([
    ["", "is empty"],
    ["abcdefghijklmnop", "is longer than 15 bytes"],
    [".", "is not allowed"],
    ["..", "is not allowed"],
    ["a/b", "contains '/', ':' or whitespace"],
    ["a:b", "contains '/', ':' or whitespace"],
    ["a b", "contains '/', ':' or whitespace"],
    ["a\tb", "contains '/', ':' or whitespace"],
  ])("rejects %j: %s", (v, problem) => expect(interfaceNameProblem(v)).toBe(problem));
});
