// Caller input quoted in messages, and messages themselves, have a bounded size: a 64 KiB
// annotation element must not become a 64 KiB error, log line or gRPC trailer (a trailer that
// large breaks the HTTP/2 connection, and every call on it). Text is also made well-formed:
// a lone UTF-16 surrogate (JSON.parse quotes input cut mid-pair; a caller's "\ud800" escape)
// makes grpc-js's encodeURI of the status message throw, which took the daemon down.
import { wellFormed } from "../cni/spec/index.js";

export { wellFormed };

/** Longest error message kept, in UTF-8 bytes; the rest is cut with a note of how much was cut. */
export const MAX_MESSAGE_BYTES = 2048;

/**
 * Longest identifier a caller sent (container id, pod namespace, name or uid, network name) kept
 * where a call is recorded — its log lines, its event — in UTF-8 bytes. Above any id a call can
 * take on (a container id at most 240 characters, a pod name 253), so only one it refuses is cut:
 * a 4 MiB request of such ids was otherwise kept whole by every log line of the call and by the
 * event history (256 of them held 1 GiB).
 */
export const MAX_IDENTITY_BYTES = 256;

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
  return copied(text.slice(0, end)) + note;
}

/** JSON.stringify for a caller's value quoted in a message, cut to about `max` characters. */
export function quoteInput(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= max) return text;
  // Never between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 4)) ? max - 4 : max - 3;
  return `${copied(text.slice(0, end))}...`;
}

/**
 * A string of its own. V8 makes a slice of a long string a view of it: the kept part of a
 * caller's megabyte would hold the whole megabyte alive for as long as the text is kept (an
 * event in the history, a saved error), however short it reads.
 */
function copied(slice: string): string {
  return Buffer.from(slice, "utf8").toString("utf8");
}
