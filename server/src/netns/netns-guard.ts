// Is this path a network namespace the daemon may configure? Nothing a caller sends may reach the
// host's own links or routes, so every netns path is checked before it is saved or handed to a plugin:
// it must be an nsfs inode, of a network namespace when the kind can be read, and not the daemon's own
// (the host's, on a node) nor init's.
// The check is made on a pin, not on the path: the path is opened with O_PATH (no side effect, a
// device or FIFO is never really opened), every check reads what that descriptor holds, and plugins
// and nsenter get /proc/<daemon>/fd/<n> — the namespace that was checked, whatever the caller's path
// names by the time they run (a symlink or bind mount re-pointed at the host after the check).
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  statfsSync,
  type Stats,
} from "node:fs";
import { isAbsolute } from "node:path";
import { fileKind } from "../errors/file-kind.js";

/** statfs(2) f_type of the namespace file system (linux/magic.h NSFS_MAGIC). */
const NSFS_MAGIC = 0x6e736673;
/** open(2)'s O_PATH (the same on every Linux architecture Node runs on); node:fs has no constant for it. */
const O_PATH = 0o10000000;

export type NetnsProblem = "not-absolute" | "missing" | "not-netns" | "host" | "unreadable";

export type NetnsInspection =
  | { readonly ok: true; /** Identity of the namespace ("dev:ino"), stable while it lives. */ readonly id: string }
  | NetnsRefusal;

export interface NetnsRefusal {
  readonly ok: false;
  readonly problem: NetnsProblem;
  /** For people: what the path is instead. */
  readonly detail: string;
}

/** A checked namespace, held open until released. */
export interface PinnedNetns {
  readonly ok: true;
  /** Identity of the namespace ("dev:ino"). */
  readonly id: string;
  /** What plugins and nsenter are given: /proc/<daemon pid>/fd/<n>, the checked namespace itself. */
  readonly handle: string;
  /** Closes the descriptor; once the operation's plugins are done. Idempotent. */
  release(): void;
}

export interface NetnsGuard {
  /** Checks `path` and holds what it names; the caller releases it. */
  pin(path: string): PinnedNetns | NetnsRefusal;
  /** The same check, nothing held. */
  inspect(path: string): NetnsInspection;
  /**
   * A path that still leads to the namespace `id` ("dev:ino") through a process inside it
   * (/proc/<pid>/ns/net) — for a namespace whose own path was removed while processes keep it
   * alive. Undefined when no process holds it (the namespace is gone).
   */
  findHolder?(id: string): string | undefined;
}

export interface NetnsGuardOptions {
  /** Namespaces that are never a pod's: the daemon's own and init's (unreadable ones are skipped). */
  readonly protectedPaths?: readonly string[];
  /** Where processes are listed (findHolder) and descriptors read. Default /proc. */
  readonly procDir?: string;
}

export function createNetnsGuard(opts: NetnsGuardOptions = {}): NetnsGuard {
  const procDir = opts.procDir ?? "/proc";
  const protectedIds = new Set<string>();
  for (const path of opts.protectedPaths ?? ["/proc/self/ns/net", "/proc/1/ns/net"]) {
    try {
      protectedIds.add(idOf(statSync(path)));
    } catch {
      // /proc/1 is unreadable in some containers; the daemon's own netns is what matters most.
    }
  }
  const pin = (path: string): PinnedNetns | NetnsRefusal => {
    if (!isAbsolute(path)) return { ok: false, problem: "not-absolute", detail: "is not an absolute path" };
    let fd: number;
    try {
      fd = openSync(path, O_PATH);
    } catch (err) {
      return openFailure(err);
    }
    let checked: NetnsInspection;
    try {
      checked = checkPinned(fd, `${procDir}/self/fd/${fd}`, procDir);
    } catch (err) {
      checked = { ok: false, problem: "unreadable", detail: `cannot be inspected (${errCode(err)})` };
    }
    if (checked.ok && protectedIds.has(checked.id))
      checked = { ok: false, problem: "host", detail: "is the node's own network namespace (the daemon's or init's)" };
    if (!checked.ok) {
      closeSync(fd);
      return checked;
    }
    let open = true;
    return {
      ok: true,
      id: checked.id,
      handle: `${procDir}/${process.pid}/fd/${fd}`,
      release() {
        if (!open) return;
        open = false;
        closeSync(fd);
      },
    };
  };
  return {
    pin,
    inspect(path) {
      const pinned = pin(path);
      if (!pinned.ok) return pinned;
      pinned.release();
      return { ok: true, id: pinned.id };
    },
    findHolder(id) {
      if (protectedIds.has(id)) return undefined;
      let pids: string[];
      try {
        pids = readdirSync(procDir).filter((n) => /^\d+$/.test(n));
      } catch {
        return undefined;
      }
      for (const pid of pids) {
        const path = `${procDir}/${pid}/ns/net`;
        try {
          if (idOf(statSync(path)) === id) return path;
        } catch {
          // exited meanwhile, or not ours to read
        }
      }
      return undefined;
    },
  };
}

/** What the descriptor holds, read through it (`self` is /proc/self/fd/<fd>): never through the caller's path again. */
function checkPinned(fd: number, self: string, procDir: string): NetnsInspection {
  const st = fstatSync(fd);
  if (!st.isFile()) return { ok: false, problem: "not-netns", detail: `is ${fileKind(st)}, not a network namespace` };
  if (Number(statfsSync(self).type) !== NSFS_MAGIC)
    return { ok: false, problem: "not-netns", detail: "is a regular file, not a network namespace" };
  const kind = namespaceKind(self, st.ino, procDir);
  if (kind !== undefined && kind !== "net")
    return { ok: false, problem: "not-netns", detail: `is a ${kind} namespace, not a network namespace` };
  return { ok: true, id: idOf(st) };
}

function openFailure(err: unknown): NetnsRefusal {
  const code = errCode(err);
  if (code === "ENOENT" || code === "ENOTDIR")
    return { ok: false, problem: "missing", detail: `does not exist (${code})` };
  if (code === "ELOOP") return { ok: false, problem: "not-netns", detail: "is a symlink loop (ELOOP)" };
  return { ok: false, problem: "unreadable", detail: `cannot be inspected (${code})` };
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? "error";
}

function idOf(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/**
 * "net", "mnt", ...: a descriptor opened through /proc/<pid>/ns/<kind> reads as "<kind>:[ino]"; one
 * opened through a bind mount (/run/netns/x) reads as the mount's path, and the mount table names
 * what is mounted there as "<kind>:[ino]". Undefined when neither says (a mount of another mount
 * namespace, reached through /proc/<pid>/root): the plugins' setns then refuses anything but a netns.
 */
function namespaceKind(self: string, ino: number, procDir: string): string | undefined {
  const magic = /^([a-z_]+):\[\d+\]$/.exec(readlinkSync(self));
  if (magic !== null) return magic[1];
  let table: string;
  try {
    table = readFileSync(`${procDir}/self/mountinfo`, "utf8");
  } catch {
    return undefined;
  }
  // The mount's root field (the 4th), space-delimited; paths in the table escape their spaces.
  const at = table.indexOf(`:[${ino}] `);
  if (at < 0) return undefined;
  const kind = /([a-z_]+)$/.exec(table.slice(table.lastIndexOf(" ", at) + 1, at));
  return kind?.[1];
}
