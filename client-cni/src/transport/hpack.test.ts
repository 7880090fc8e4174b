import { describe, expect, it } from "vitest";
import { huffmanDecode } from "./hpack-huffman.js";
import { createHpackDecoder, encodeHeaders } from "./hpack.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

describe("huffmanDecode (RFC 7541 Appendix C strings)", () => {
  it.each([
    ["f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"],
    ["a8eb 1064 9cbf", "no-cache"],
    ["25a8 49e9 5ba9 7d7f", "custom-key"],
    ["6402", "302"],
    ["aec3 771a 4b", "private"],
    ["d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"],
  ])("%s → %j", (coded, plain) => {
    expect(text(huffmanDecode(hex(coded)))).toBe(plain);
  });

  it("rejects padding that is not all ones, or longer than 7 bits", () => {
    expect(() => huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4fe"))).toThrow(/padding/);
    expect(() => huffmanDecode(hex("6402 ff"))).toThrow(/padding/);
  });
});

describe("the decoder (RFC 7541 Appendix C)", () => {
  it("C.4: requests with Huffman coding share one dynamic table", () => {
    const d = createHpackDecoder();
    expect(d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))).toEqual([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
    ]);
    expect(d.decode(hex("8286 84be 5886 a8eb 1064 9cbf"))).toContainEqual(["cache-control", "no-cache"]);
    expect(d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))).toEqual([
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ]);
  });

  it("C.6: responses evict the oldest entries of a 256-octet table", () => {
    const d = createHpackDecoder(256);
    d.decode(hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"));
    expect(d.decode(hex("4883 640e ffc1 c0bf"))).toEqual([
      [":status", "307"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ]);
    const third = d.decode(
      hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"),
    );
    expect(third).toEqual([
      [":status", "200"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
      ["location", "https://www.example.com"],
      ["content-encoding", "gzip"],
      ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
    ]);
  });

  it("applies a dynamic table size update, and refuses one above the SETTINGS limit", () => {
    const d = createHpackDecoder();
    d.decode(hex("4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")); // custom-key: custom-value, indexed as 62
    expect(d.decode(hex("20"))).toEqual([]); // size 0: the table empties
    expect(() => d.decode(hex("be"))).toThrow(/no table entry 62/);
    expect(() => d.decode(hex("3fe2 1f"))).toThrow(/above the limit/); // 4097
  });
});

describe("encodeHeaders", () => {
  it("writes literals the decoder reads back: long values, multi-byte lengths, UTF-8", () => {
    const headers: [string, string][] = [
      [":path", `/${"x".repeat(300)}`],
      ["grpc-timeout", "110000m"],
      ["x-note", "café ‘q’"],
    ];
    const block = encodeHeaders(headers);
    expect(block[0]).toBe(0x00); // literal without indexing: the server's table is never touched
    expect(createHpackDecoder().decode(block)).toEqual(headers);
  });
});
