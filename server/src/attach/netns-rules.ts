// Which netns an operation may touch. ADD takes the caller's path only when it names a network
// namespace that is not the node's own, checked before anything is saved; DEL and CHECK use the
// path saved at ADD, never the caller's, and only while it still names the same namespace.
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import type { AttachmentRecord } from "./attachment-store.js";

/** The namespace's identity, or INVALID_NETNS naming what the path is instead. */
export function requireNetns(guard: NetnsGuard, path: string, phase: string): string {
  const inspected = guard.inspect(path);
  if (inspected.ok) return inspected.id;
  const refusal = inspected.problem === "host" ? "refusing to configure it" : "a network namespace is required";
  throw new DaemonError("INVALID_NETNS", `netns ${quoteInput(path)} ${inspected.detail}: ${refusal}`, {
    phase,
    source: "netns",
  });
}

/**
 * DEL names the netns it wants: absent = the saved one, "" = gone; any other path must lead to the
 * saved namespace. A forged path (another pod's, the host's) is refused before any plugin runs.
 */
export function checkDetachNetns(guard: NetnsGuard, record: AttachmentRecord, asked: string | undefined): void {
  const saved = record.plan.netns;
  if (asked === undefined || asked === "" || asked === saved) return;
  const a = guard.inspect(asked);
  const s = guard.inspect(saved);
  if (a.ok && s.ok && a.id === s.id) return;
  throw new DaemonError(
    "INVALID_NETNS",
    `container ${record.plan.containerId} was attached in netns ${quoteInput(saved)}, not ${quoteInput(asked)}: DEL uses the saved netns (omit it, or send "" when it is gone)`,
    { phase: "del", source: "netns" },
  );
}

/**
 * The netns plugins get on DEL: the saved path while it still is that namespace; when that path was
 * removed (or now names another namespace) but a process still holds the namespace, the way in
 * through that process, so its interfaces are still deleted; else "" (gone — or, forged after the
 * fact, the node's own), which plugins treat as gone.
 */
export function netnsForDelete(guard: NetnsGuard, record: AttachmentRecord, asked?: string): string {
  if (asked === "") return "";
  const inspected = guard.inspect(record.plan.netns);
  if (inspected.ok && (record.netnsId === undefined || record.netnsId === inspected.id)) return record.plan.netns;
  const holder = record.netnsId !== undefined ? guard.findHolder?.(record.netnsId) : undefined;
  if (holder === undefined) return "";
  const via = guard.inspect(holder);
  return via.ok && via.id === record.netnsId ? holder : "";
}
