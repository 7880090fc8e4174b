// An I/O failure described for people: the errno name and its meaning, and the file it happened
// on — "disk full" must read as ENOSPC with a path, never as a bare "cannot write".
import { getSystemErrorMap } from "node:util";

export function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== "string") return err instanceof Error ? err.message : String(err);
  const meaning = typeof e.errno === "number" ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  return `${e.code}${meaning !== undefined ? ` (${meaning})` : ""}${e.path !== undefined ? ` on ${e.path}` : ""}`;
}
