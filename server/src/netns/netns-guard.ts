// Is this path a network namespace the daemon may configure? Nothing a caller sends may reach the
// host's own links or routes, so every netns path is checked before it is saved or handed to a plugin:
// it must be an nsfs inode, of a network namespace when the kind can be read, and not the daemon's own
// (the host's, on a node) nor init's. The file is never opened: a device or FIFO path has no side effect.
import { readdirSync, readlinkSync, statSync, statfsSync, type Stats } from "node:fs";
import { isAbsolute } from "node:path";

/** statfs(2) f_type of the namespace file system (linux/magic.h NSFS_MAGIC). */
const NSFS_MAGIC = 0x6e736673;
/** Symlink hops followed to learn a namespace's kind ("net:[4026531840]"). */
const MAX_HOPS = 8;

export type NetnsProblem = "not-absolute" | "missing" | "not-netns" | "host" | "unreadable";

export type NetnsInspection =
  | { readonly ok: true; /** Identity of the namespace ("dev:ino"), stable while it lives. */ readonly id: string }
  | {
      readonly ok: false;
      readonly problem: NetnsProblem;
      /** For people: what the path is instead. */ readonly detail: string;
    };

export interface NetnsGuard {
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
  /** Where processes are listed (findHolder). Default /proc. */
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
  return {
    inspect(path) {
      if (!isAbsolute(path)) return { ok: false, problem: "not-absolute", detail: "is not an absolute path" };
      let st: Stats;
      try {
        st = statSync(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        if (code === "ENOENT" || code === "ENOTDIR")
          return { ok: false, problem: "missing", detail: `does not exist (${code})` };
        if (code === "ELOOP") return { ok: false, problem: "not-netns", detail: "is a symlink loop (ELOOP)" };
        return { ok: false, problem: "unreadable", detail: `cannot be inspected (${code})` };
      }
      if (!st.isFile())
        return { ok: false, problem: "not-netns", detail: `is ${fileKind(st)}, not a network namespace` };
      let fsType: number;
      try {
        fsType = Number(statfsSync(path).type);
      } catch (err) {
        return {
          ok: false,
          problem: "unreadable",
          detail: `cannot be inspected (${(err as NodeJS.ErrnoException).code ?? "error"})`,
        };
      }
      if (fsType !== NSFS_MAGIC)
        return { ok: false, problem: "not-netns", detail: "is a regular file, not a network namespace" };
      const kind = namespaceKind(path);
      if (kind !== undefined && kind !== "net")
        return { ok: false, problem: "not-netns", detail: `is a ${kind} namespace, not a network namespace` };
      const id = idOf(st);
      if (protectedIds.has(id))
        return { ok: false, problem: "host", detail: "is the node's own network namespace (the daemon's or init's)" };
      return { ok: true, id };
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

function idOf(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** "net", "mnt", ... when the path leads to a /proc/<pid>/ns/<kind> link; undefined for bind mounts (/run/netns). */
function namespaceKind(path: string): string | undefined {
  let cur = path;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    let target: string;
    try {
      target = readlinkSync(cur);
    } catch {
      return undefined;
    }
    const magic = /^([a-z_]+):\[\d+\]$/.exec(target);
    if (magic !== null) return magic[1];
    cur = isAbsolute(target) ? target : `${cur.slice(0, cur.lastIndexOf("/") + 1)}${target}`;
  }
  return undefined;
}
