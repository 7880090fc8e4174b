// Which netns an operation may touch. ADD takes the caller's path only when it names a network
// namespace that is not the node's own; DEL, CHECK and hot-plug use the path saved at ADD, never the
// caller's, and only while it still names the same namespace. Each holds what it checked (a pin)
// until its plugins are done: they are given the pin, never the path, which may be re-pointed.
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetnsGuard, PinnedNetns } from "../netns/netns-guard.js";
import type { PodLinks } from "../netns/pod-links.js";
import type { CniResult, NetnsPin, StaleAttachment } from "../cni/index.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { primaryInterfaceIndex } from "./attached-interface.js";
import { viewResult } from "./result-view.js";

/** The namespace `path` names, pinned; or INVALID_NETNS naming what the path is instead. */
export function pinNetns(guard: NetnsGuard, path: string, phase: string): PinnedNetns {
  const pinned = guard.pin(path);
  if (pinned.ok) return pinned;
  const refusal = pinned.problem === "host" ? "refusing to configure it" : "a network namespace is required";
  throw new DaemonError("INVALID_NETNS", `netns ${quoteInput(path)} ${pinned.detail}: ${refusal}`, {
    phase,
    source: "netns",
  });
}

/** The saved netns, pinned, while it still is the namespace the sandbox was attached in. */
export function pinSavedNetns(guard: NetnsGuard, record: AttachmentRecord, phase: string): PinnedNetns {
  const pinned = pinNetns(guard, record.plan.netns, phase);
  if (record.netnsId === undefined || pinned.id === record.netnsId) return pinned;
  pinned.release();
  throw new DaemonError(
    "INVALID_NETNS",
    `container ${record.plan.containerId}: netns ${quoteInput(record.plan.netns)} is no longer the namespace it was attached in`,
    { phase, source: "netns" },
  );
}

/** Runs `fn` with `pinned`, released once `fn` is done whatever happened. */
export async function holding<T>(pinned: PinnedNetns | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    pinned?.release();
  }
}

/**
 * DEL and CHECK name the netns they want: absent = the saved one (for DEL, "" = the runtime
 * thinks it gone: pinForDelete still looks for it); any other path must lead to the saved
 * namespace. A forged path (another pod's, the host's) is refused before any plugin runs.
 */
export function checkAskedNetns(
  guard: NetnsGuard,
  record: AttachmentRecord,
  asked: string | undefined,
  command: "DEL" | "CHECK",
): void {
  const saved = record.plan.netns;
  if (asked === undefined || asked === "" || asked === saved) return;
  const a = guard.inspect(asked);
  const s = guard.inspect(saved);
  if (a.ok && s.ok && a.id === s.id) return;
  throw new DaemonError(
    "INVALID_NETNS",
    `container ${record.plan.containerId} was attached in netns ${quoteInput(saved)}, not ${quoteInput(asked)}: ${command} uses the saved netns (omit it${command === "DEL" ? ', or send "" when it is gone' : ""})`,
    { phase: command.toLowerCase(), source: "netns" },
  );
}

/** Where DEL finds the saved namespace: through its saved path, or a process inside it; by identity alone. */
function locate(
  guard: NetnsGuard,
  record: AttachmentRecord,
): { readonly pinned: PinnedNetns; readonly through: "path" | "process" } | undefined {
  const saved = guard.pin(record.plan.netns);
  if (saved.ok) {
    if (record.netnsId === undefined || record.netnsId === saved.id) return { pinned: saved, through: "path" };
    saved.release();
  }
  const holder = record.netnsId !== undefined ? guard.findHolder?.(record.netnsId) : undefined;
  if (holder === undefined) return undefined;
  const via = guard.pin(holder);
  if (!via.ok) return undefined;
  if (via.id === record.netnsId) return { pinned: via, through: "process" };
  via.release();
  return undefined;
}

/** Whether the saved namespace can still be found, its path or a process in it (the reconciler's "netns gone"). */
export function savedNetnsFound(guard: NetnsGuard, record: AttachmentRecord): boolean {
  const found = locate(guard, record);
  found?.pinned.release();
  return found !== undefined;
}

/**
 * The namespace DEL's plugins enter, pinned: the saved path's while it still is that namespace;
 * when that path was removed (or now names another namespace) but a process still holds the
 * namespace, the one reached through that process, so its interfaces are still deleted — once an
 * interface the ADD made is seen in it; undefined when it is gone (or, forged after the fact, the
 * node's own), which plugins get as "" (gone). The runtime's "" is not trusted to mean gone: a
 * namespace whose path it removed lives on while a process holds it, with the pod's interfaces
 * and the plugins' rules for them (bridge's ipMasq), which only a DEL inside it removes.
 */
export async function pinForDelete(
  deps: { readonly netns: NetnsGuard; readonly links: PodLinks },
  record: AttachmentRecord,
  signal?: AbortSignal,
): Promise<PinnedNetns | undefined> {
  const found = locate(deps.netns, record);
  if (found === undefined || found.through === "path") return found?.pinned;
  // Found by inode number alone, and a freed namespace's number is reused: it is the pod's only if
  // an interface the ADD made (name and MAC, from the saved results) is in it.
  if (await holdsInterfaceOf(deps.links, found.pinned.handle, Object.entries(record.results), signal))
    return found.pinned;
  found.pinned.release();
  return undefined;
}

/**
 * The namespace CNI GC's DEL of a stale cached attachment enters (the runtime's pinStale): its
 * cached path, pinned, only while an interface its ADD made (name and MAC, from the cached result)
 * is in it. The cache holds no netns identity, and its record may outlive the attachment's own:
 * by then the path may name the node's namespace (refused by the pin) or another pod's, where an
 * interface of that name is not this attachment's. Undefined otherwise: the DEL gets "" and the
 * plugins release IPAM only.
 */
export async function pinForStaleCache(
  deps: { readonly netns: NetnsGuard; readonly links: PodLinks },
  stale: StaleAttachment,
  signal?: AbortSignal,
): Promise<NetnsPin | undefined> {
  if (stale.netns === "") return undefined;
  const pinned = deps.netns.pin(stale.netns);
  if (!pinned.ok) return undefined;
  if (await holdsInterfaceOf(deps.links, pinned.handle, [[stale.ifName, stale.result]], signal)) return pinned;
  pinned.release();
  return undefined;
}

/** Whether the namespace at `handle` holds an interface one of `results` made (its name and MAC). */
async function holdsInterfaceOf(
  links: PodLinks,
  handle: string,
  results: ReadonlyArray<readonly [string, CniResult]>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const made = results.flatMap(([ifName, result]) => {
    const view = viewResult(result);
    const intf = view.interfaces[primaryInterfaceIndex(view, ifName)];
    return intf?.mac !== undefined ? [{ name: intf.name, mac: intf.mac.toLowerCase() }] : [];
  });
  if (made.length === 0) return false;
  let present: ReadonlyMap<string, string>;
  try {
    present = await links.macs(handle, signal !== undefined ? { signal } : {});
  } catch {
    return false;
  }
  return made.some((m) => present.get(m.name)?.toLowerCase() === m.mac);
}
