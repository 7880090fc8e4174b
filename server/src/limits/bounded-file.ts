// A config or manifest file read whole, but never beyond a bound (limits.maxDefinitionFileBytes
// unless the caller names another): a file that is larger (or grows while it is read) is a problem
// naming its size and the limit, and what it holds is never buffered. Only a regular file is read:
// a FIFO would block the open (and the read) until a writer came, a device (/dev/zero) never ends.
// Asynchronous, so a slow disk does not stall the daemon.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { fileKind } from "../errors/file-kind.js";
import { overLimit } from "./input-limits.js";

export type BoundedRead = { readonly text: string } | { readonly problem: string };

/** `size` bytes said over the bound: the definitions' limits.maxDefinitionFileBytes wording by default. */
export type OverBound = (size: number, maxBytes: number) => string;

const OVER_DEFINITION_LIMIT: OverBound = (size, maxBytes) =>
  overLimit(`is ${size} bytes`, "maxDefinitionFileBytes", maxBytes);

/** Rejects with the I/O error (ENOENT, EACCES, ...) when the file cannot be opened or read. */
export async function readFileWithin(
  path: string,
  maxBytes: number,
  overBound: OverBound = OVER_DEFINITION_LIMIT,
): Promise<BoundedRead> {
  // Non-blocking: opening a FIFO with no writer returns at once, so fstat can refuse it.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await file.stat();
    if (!st.isFile()) return { problem: `is not a regular file (${fileKind(st)})` };
    const { size } = st;
    if (size > maxBytes) return { problem: overBound(size, maxBytes) };
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
