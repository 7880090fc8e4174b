import { describe, expect, it } from "vitest";
import { isDnsLabel } from "./name-checks.js";

describe("isDnsLabel", () => {
  it.each(["a", "a-b", "0", "abc123", "a".repeat(63)])("accepts %s", (v) => expect(isDnsLabel(v)).toBe(true));
  it.each(["", "A", "a_b", "a.b", "-a", "a-", "a b", "a".repeat(64)])("rejects %j", (v) =>
    expect(isDnsLabel(v)).toBe(false),
  );
});
