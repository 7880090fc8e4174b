// HPACK (RFC 7541), the part an HTTP/2 client of one server needs: the encoder writes
// every field as a literal without indexing (never touching the server's dynamic table),
// the decoder understands everything a server may send: indexed fields, literals, the
// dynamic table with eviction and size updates, and Huffman-coded strings.
import { huffmanDecode } from "./hpack-huffman.js";

export type HeaderList = [name: string, value: string][];

/** Appendix A: the static table, index 1..61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"], [":path", "/index.html"], [":scheme", "http"], [":scheme", "https"],
  [":status", "200"], [":status", "204"], [":status", "206"], [":status", "304"], [":status", "400"], [":status", "404"], [":status", "500"],
  ["accept-charset", ""], ["accept-encoding", "gzip, deflate"], ["accept-language", ""], ["accept-ranges", ""], ["accept", ""],
  ["access-control-allow-origin", ""], ["age", ""], ["allow", ""], ["authorization", ""], ["cache-control", ""], ["content-disposition", ""],
  ["content-encoding", ""], ["content-language", ""], ["content-length", ""], ["content-location", ""], ["content-range", ""], ["content-type", ""],
  ["cookie", ""], ["date", ""], ["etag", ""], ["expect", ""], ["expires", ""], ["from", ""], ["host", ""], ["if-match", ""], ["if-modified-since", ""],
  ["if-none-match", ""], ["if-range", ""], ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""], ["location", ""], ["max-forwards", ""],
  ["proxy-authenticate", ""], ["proxy-authorization", ""], ["range", ""], ["referer", ""], ["refresh", ""], ["retry-after", ""], ["server", ""],
  ["set-cookie", ""], ["strict-transport-security", ""], ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""], ["via", ""], ["www-authenticate", ""],
];
const ENTRY_OVERHEAD = 32; // §4.1
const utf8 = new TextDecoder();

/** §5.1 integer with an N-bit prefix; `first` holds the pattern bits above the prefix. */
function encodeInteger(out: number[], value: number, prefixBits: number, first: number): void {
  const max = 2 ** prefixBits - 1;
  if (value < max) return void out.push(first | value);
  out.push(first | max);
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) + 128);
  out.push(value);
}

/** A header block of literals without indexing, raw (not Huffman) strings. */
export function encodeHeaders(headers: HeaderList): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of headers) {
    out.push(0x00); // §6.2.2, new name
    for (const s of [name, value]) {
      const bytes = Buffer.from(s, "utf8");
      encodeInteger(out, bytes.length, 7, 0x00);
      for (const b of bytes) out.push(b);
    }
  }
  return Uint8Array.from(out);
}

/** One connection's decoding context: the dynamic table lives as long as the connection. */
export class HpackDecoder {
  private table: [string, string][] = []; // newest first
  private size = 0;
  private maxSize: number;

  constructor(private readonly settingsMaxSize = 4096) {
    this.maxSize = settingsMaxSize;
  }

  decode(block: Uint8Array): HeaderList {
    const headers: HeaderList = [];
    let pos = 0;
    const integer = (prefixBits: number): number => {
      const max = 2 ** prefixBits - 1;
      let value = (block[pos++] ?? 0) & max;
      if (value < max) return value;
      for (let shift = 1; ; shift *= 128) {
        if (pos >= block.length || shift > 2 ** 28) throw new Error("HPACK: bad integer");
        const b = block[pos++] ?? 0;
        value += (b & 0x7f) * shift;
        if (b < 0x80) return value;
      }
    };
    const string = (): string => {
      const huffman = ((block[pos] ?? 0) & 0x80) !== 0;
      const length = integer(7);
      if (pos + length > block.length) throw new Error("HPACK: string past the end of the block");
      const raw = block.subarray(pos, (pos += length));
      return utf8.decode(huffman ? huffmanDecode(raw) : raw);
    };
    while (pos < block.length) {
      const b = block[pos] ?? 0;
      if (b & 0x80) {
        headers.push(this.entry(integer(7))); // §6.1 indexed
      } else if (b & 0x40) {
        const index = integer(6); // §6.2.1 literal with incremental indexing
        const field: [string, string] = [index === 0 ? string() : this.entry(index)[0], string()];
        headers.push(field);
        this.add(field);
      } else if (b & 0x20) {
        const size = integer(5); // §6.3 dynamic table size update
        if (size > this.settingsMaxSize) throw new Error("HPACK: table size update above the limit");
        this.maxSize = size;
        this.evict();
      } else {
        const index = integer(4); // §6.2.2/§6.2.3 literal without indexing / never indexed
        headers.push([index === 0 ? string() : this.entry(index)[0], string()]);
      }
    }
    return headers;
  }

  private entry(index: number): readonly [string, string] {
    const e = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.table[index - STATIC_TABLE.length - 1];
    if (index === 0 || e === undefined) throw new Error(`HPACK: no table entry ${index}`);
    return e;
  }

  private add(field: [string, string]): void {
    this.table.unshift(field);
    this.size += Buffer.byteLength(field[0]) + Buffer.byteLength(field[1]) + ENTRY_OVERHEAD;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize) {
      const old = this.table.pop();
      if (old === undefined) break;
      this.size -= Buffer.byteLength(old[0]) + Buffer.byteLength(old[1]) + ENTRY_OVERHEAD;
    }
  }
}
