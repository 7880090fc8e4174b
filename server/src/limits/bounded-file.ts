// A config or manifest file read whole, but never beyond limits.maxDefinitionFileBytes: a file
// that is larger (or grows while it is read) is a problem naming its size and the limit, and
// what it holds is never buffered. Asynchronous, so a slow disk does not stall the daemon.
import { open } from "node:fs/promises";
import { overLimit } from "./input-limits.js";

export type BoundedRead = { readonly text: string } | { readonly problem: string };

/** Rejects with the I/O error (ENOENT, EACCES, ...) when the file cannot be opened or read. */
export async function readFileWithin(path: string, maxBytes: number): Promise<BoundedRead> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    if (size > maxBytes) return { problem: overLimit(`is ${size} bytes`, "maxDefinitionFileBytes", maxBytes) };
    // One byte more than the stat said tells a file that grew meanwhile.
    const buf = Buffer.alloc(size + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await file.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > size) return { problem: "changed while it was read" };
    return { text: buf.toString("utf8", 0, length) };
  } finally {
    await file.close();
  }
}
