// A read of the node's own networking that failed for a reason of the node (a sysfs path it may
// not read, an iproute2 without -j): NODE_UNREADABLE names what and why, so the runtime's error
// says what to fix on the node, not "internal error" (that is for netattachd's own bugs).
import { DaemonError } from "../../errors/daemon-error.js";

/** `what` (a path, a command) could not be read: `why`, or the errno of `err`. */
export function nodeUnreadable(what: string, err: unknown, why?: string): DaemonError {
  const reason = why ?? (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  return new DaemonError(
    "NODE_UNREADABLE",
    `the node's networking cannot be read: ${what}: ${reason}; the preflight cannot tell what the node uses, so nothing ran`,
    { phase: "preflight" },
    { cause: err },
  );
}
