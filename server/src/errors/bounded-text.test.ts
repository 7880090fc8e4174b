import { describe, expect, it } from "vitest";
import { boundText, quoteInput } from "./bounded-text.js";

describe("bounded text", () => {
  it("keeps short text as is and cuts long text to the byte bound, saying how long it was", () => {
    expect(boundText("short", 10)).toBe("short");
    const cut = boundText("x".repeat(65_536), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^x+… \(65536 bytes in all\)$/);
  });

  it("cuts multi-byte text at a character boundary", () => {
    const cut = boundText("€".repeat(1000), 64);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(64);
    expect(cut).not.toContain("\uFFFD");
    expect(cut.startsWith("€€€")).toBe(true);
  });

  it("quotes caller input as JSON, cut to the bound", () => {
    expect(quoteInput('a"b')).toBe('"a\\"b"');
    expect(quoteInput("y".repeat(1000))).toHaveLength(80);
    expect(quoteInput(undefined)).toBe("undefined");
  });
});
