// HPACK's static Huffman code (RFC 7541 §5.2, Appendix B), decode only: the shim sends
// its own header strings raw, but a server's encoder (nghttp2 in node) Huffman-codes
// whatever comes out shorter. The code is canonical, so the bit lengths of the 257
// symbols (256 octets + EOS) determine every code.

/** Appendix B's code lengths, symbol 0..256 (256 = EOS). */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;
const MAX_LENGTH = 30;

/** Canonical decoding tables, and a direct lookup for the codes of ≤ 8 bits (most of text). */
interface Tables {
  readonly symbols: Uint16Array; // by length, then value
  readonly firstCode: Int32Array; // per length
  readonly count: Int32Array;
  readonly offset: Int32Array;
  /** fast[next 8 bits] = symbol << 4 | length, for a code of ≤ 8 bits that starts them; 0 for none. */
  readonly fast: Uint16Array;
}

let tables: Tables | undefined;

/** Built once per process (a counting sort, no comparisons): it runs in every shim call. */
function build(): Tables {
  const count = new Int32Array(MAX_LENGTH + 1);
  for (const len of CODE_LENGTHS) count[len]++;
  const firstCode = new Int32Array(MAX_LENGTH + 1);
  const offset = new Int32Array(MAX_LENGTH + 1);
  for (let len = 1, code = 0, seen = 0; len <= MAX_LENGTH; len++) {
    firstCode[len] = code;
    offset[len] = seen;
    seen += count[len];
    code = (code + count[len]) * 2;
  }
  const symbols = new Uint16Array(CODE_LENGTHS.length);
  const fast = new Uint16Array(256);
  const next = offset.slice();
  for (let symbol = 0; symbol < CODE_LENGTHS.length; symbol++) {
    const len = CODE_LENGTHS[symbol] as number;
    const code = firstCode[len] + next[len] - offset[len];
    symbols[next[len]++] = symbol;
    if (len <= 8) fast.fill((symbol << 4) | len, code << (8 - len), (code + 1) << (8 - len));
  }
  return { symbols, firstCode, count, offset, fast };
}

/** Decodes a Huffman-coded string literal; throws on EOS inside it or on bad padding (§5.2). */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const t = (tables ??= build());
  const out: number[] = [];
  const totalBits = input.length * 8;
  const bit = (at: number): number => ((input[at >> 3] as number) >> (7 - (at & 7))) & 1;
  let pos = 0;
  while (pos < totalBits) {
    // The next 8 bits (1s past the end, like padding) name any code of ≤ 8 bits directly.
    const i = pos >> 3;
    const window = ((((input[i] as number) << 8) | (i + 1 < input.length ? (input[i + 1] as number) : 0xff)) >> (8 - (pos & 7))) & 0xff;
    const hit = t.fast[window] as number;
    if (hit !== 0 && pos + (hit & 0xf) <= totalBits) {
      out.push(hit >> 4);
      pos += hit & 0xf;
      continue;
    }
    // Longer codes, bit by bit against the canonical ranges.
    let code = 0;
    let len = 0;
    for (;;) {
      if (pos + len >= totalBits || len >= MAX_LENGTH) {
        // Padding: fewer than 8 bits, all ones (the EOS prefix).
        if (len > 7 || pos + len < totalBits || code !== 2 ** len - 1) throw new Error("HPACK: invalid Huffman padding");
        return Uint8Array.from(out);
      }
      code = code * 2 + bit(pos + len);
      len++;
      const index = code - t.firstCode[len];
      if (index >= 0 && index < t.count[len]) break;
    }
    const symbol = t.symbols[t.offset[len] + code - t.firstCode[len]];
    if (symbol === EOS) throw new Error("HPACK: EOS inside a Huffman-coded string");
    out.push(symbol as number);
    pos += len;
  }
  return Uint8Array.from(out);
}
