// Bounded collectors for a plugin's stdout (hard limit: the caller fails the run) and
// stderr (soft limit: only the tail is kept, where plugins report the failure).
import { stderrText } from "./launch.js";

export interface StdoutBuffer {
  /** False once the limit is exceeded; later chunks are dropped. */
  push(chunk: Buffer): boolean;
  bytes(): Buffer;
}

export function createStdoutBuffer(limit: number): StdoutBuffer {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  return {
    push(chunk) {
      if (overflow) return false;
      size += chunk.length;
      if (size > limit) {
        overflow = true;
        chunks.length = 0;
        return false;
      }
      chunks.push(chunk);
      return true;
    },
    bytes: () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
  };
}

export interface StderrBuffer {
  push(chunk: Buffer): void;
  text(): string;
}

export function createStderrBuffer(limit: number): StderrBuffer {
  let chunks: Buffer[] = [];
  let size = 0;
  let dropped = 0;
  const compact = (): void => {
    const all = Buffer.concat(chunks);
    const keep = all.subarray(Math.max(0, all.length - limit));
    dropped += all.length - keep.length;
    chunks = [keep];
    size = keep.length;
  };
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > 2 * limit) compact();
    },
    text() {
      if (size > limit) compact();
      return stderrText(Buffer.concat(chunks), dropped);
    },
  };
}
