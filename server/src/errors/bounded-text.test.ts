import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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

  it("what it keeps of a long input does not hold the input alive (a V8 slice would, whole)", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const heap = (): number => (gc(), process.memoryUsage().heapUsed);
    const before = heap();
    // 64 inputs of 1 MiB: kept whole, the cut texts would hold 64 MiB (128 MiB as JSON).
    const kept = Array.from({ length: 64 }, (_, i) => {
      const input = String.fromCharCode(97 + (i % 26)).repeat(1 << 20) + i;
      return [boundText(input, 256), quoteInput(input)];
    });
    expect(heap() - before).toBeLessThan(8 << 20);
    expect(kept[0]![0]).toMatch(/^a+… \(1048577 bytes in all\)$/);
  });
});
