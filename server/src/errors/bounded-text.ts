// Caller input quoted in messages, and messages themselves, have a bounded size: a 64 KiB
// annotation element must not become a 64 KiB error, log line or gRPC trailer (a trailer that
// large breaks the HTTP/2 connection, and every call on it). Text is also made well-formed:
// a lone UTF-16 surrogate (JSON.parse quotes input cut mid-pair; a caller's "\ud800" escape)
// makes grpc-js's encodeURI of the status message throw, which took the daemon down.
import { wellFormed } from "../cni/spec/index.js";

export { wellFormed };

/** Longest error message kept, in UTF-8 bytes; the rest is cut with a note of how much was cut. */
export const MAX_MESSAGE_BYTES = 2048;

/** `text` well-formed and cut to at most `maxBytes` UTF-8 bytes (at a character boundary), saying how much was dropped. */
export function boundText(raw: string, maxBytes: number): string {
  const text = wellFormed(raw);
  const total = Buffer.byteLength(text, "utf8");
  if (total <= maxBytes) return text;
  const note = `… (${total} bytes in all)`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(note, "utf8"));
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, "utf8");
    if (used + size > room) break;
    used += size;
    end += ch.length;
  }
  return text.slice(0, end) + note;
}

/** JSON.stringify for a caller's value quoted in a message, cut to about `max` characters. */
export function quoteInput(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= max) return text;
  // Never between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 4)) ? max - 4 : max - 3;
  return `${text.slice(0, end)}...`;
}
