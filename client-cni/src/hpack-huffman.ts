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

/** Canonical decoding tables: per length, the first code and where its symbols start. */
interface Canonical {
  readonly symbols: number[];
  readonly firstCode: number[];
  readonly count: number[];
  readonly offset: number[];
}

let canonical: Canonical | undefined;

/** Built once, by a counting sort (symbols by length, then value): it runs in every shim call. */
function build(): Canonical {
  const count = new Array<number>(MAX_LENGTH + 1).fill(0);
  for (const len of CODE_LENGTHS) count[len] = (count[len] ?? 0) + 1;
  const firstCode = new Array<number>(MAX_LENGTH + 1).fill(0);
  const offset = new Array<number>(MAX_LENGTH + 1).fill(0);
  for (let len = 1, code = 0, seen = 0; len <= MAX_LENGTH; len++) {
    firstCode[len] = code;
    offset[len] = seen;
    seen += count[len] ?? 0;
    code = (code + (count[len] ?? 0)) * 2;
  }
  const symbols = new Array<number>(CODE_LENGTHS.length);
  const next = [...offset];
  for (let symbol = 0; symbol < CODE_LENGTHS.length; symbol++) {
    const len = CODE_LENGTHS[symbol] ?? 0;
    symbols[next[len] ?? 0] = symbol;
    next[len] = (next[len] ?? 0) + 1;
  }
  return { symbols, firstCode, count, offset };
}

/** Decodes a Huffman-coded string literal; throws on EOS inside it or on bad padding (§5.2). */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const t = (canonical ??= build());
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const index = code - (t.firstCode[len] ?? 0);
      if (index >= 0 && index < (t.count[len] ?? 0)) {
        const symbol = t.symbols[(t.offset[len] ?? 0) + index] ?? EOS;
        if (symbol === EOS) throw new Error("HPACK: EOS inside a Huffman-coded string");
        out.push(symbol);
        code = 0;
        len = 0;
      } else if (len > MAX_LENGTH) {
        throw new Error("HPACK: invalid Huffman code");
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (the EOS prefix).
  if (len > 7 || code !== 2 ** len - 1) throw new Error("HPACK: invalid Huffman padding");
  return Uint8Array.from(out);
}
