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
const utf8Encoder = new TextEncoder();

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
  const parts: Uint8Array[] = [];
  for (const [name, value] of headers) {
    const prefix: number[] = [0x00]; // §6.2.2, new name
    const n = utf8Encoder.encode(name);
    const v = utf8Encoder.encode(value);
    encodeInteger(prefix, n.length, 7, 0x00);
    parts.push(new Uint8Array(prefix), n);
    const vlen: number[] = [];
    encodeInteger(vlen, v.length, 7, 0x00);
    parts.push(new Uint8Array(vlen), v);
  }
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export interface HpackDecoder {
  /** Decodes one complete header block, updating the connection's dynamic table. */
  decode(block: Uint8Array): HeaderList;
}

const entrySize = (e: readonly [string, string]): number => Buffer.byteLength(e[0]) + Buffer.byteLength(e[1]) + ENTRY_OVERHEAD;

/** One connection's decoding context: its dynamic table lives as long as the connection. */
export function createHpackDecoder(settingsMaxSize = 4096): HpackDecoder {
  const table: (readonly [string, string])[] = []; // newest first
  let size = 0;
  let maxSize = settingsMaxSize;

  const evict = (): void => {
    for (let old = table.at(-1); size > maxSize && old !== undefined; old = table.at(-1)) {
      table.pop();
      size -= entrySize(old);
    }
  };
  const entry = (index: number): readonly [string, string] => {
    const e = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : table[index - STATIC_TABLE.length - 1];
    if (index === 0 || e === undefined) throw new Error(`HPACK: no table entry ${index}`);
    return e;
  };

  function decode(block: Uint8Array): HeaderList {
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
        headers.push([...entry(integer(7))]); // §6.1 indexed
      } else if (b & 0x40) {
        const index = integer(6); // §6.2.1 literal with incremental indexing
        const field: [string, string] = [index === 0 ? string() : entry(index)[0], string()];
        headers.push(field);
        table.unshift(field);
        size += entrySize(field);
        evict();
      } else if (b & 0x20) {
        maxSize = integer(5); // §6.3 dynamic table size update
        if (maxSize > settingsMaxSize) throw new Error("HPACK: table size update above the limit");
        evict();
      } else {
        const index = integer(4); // §6.2.2/§6.2.3 literal without indexing / never indexed
        headers.push([index === 0 ? string() : entry(index)[0], string()]);
      }
    }
    return headers;
  }

  return { decode };
}
