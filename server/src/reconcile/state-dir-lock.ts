// One daemon per stateDir: its start-up cleanup kills every plugin marked with the stateDir and
// removes temp files, which would wreck a second daemon's running calls. The lock is a listening
// socket in the abstract unix namespace named after the stateDir's device and inode: binding it is
// atomic, the kernel drops it when the holder dies however it dies (SIGKILL leaves nothing to
// judge as stale, unlike a pid file, whose pid and start time mean nothing across pid namespaces),
// and the same directory bind-mounted at another path has the same name. Its limit: abstract
// names belong to a network namespace; the DaemonSet runs in the host's (hostNetwork).
// The holder answers each connection with its pid and socket, for the refusal's message.
import { mkdir, stat } from "node:fs/promises";
import { createServer, connect, type Server } from "node:net";
import { StartupError } from "../errors/startup-error.js";

export interface StateDirLock {
  release(): Promise<void>;
}

interface Holder {
  readonly pid?: number;
  readonly socketPath?: string;
}

/** Takes the lock on `stateDir` (created when missing) or throws a StartupError naming the holder. */
export async function lockStateDir(stateDir: string, socketPath: string): Promise<StateDirLock> {
  const name = await lockName(stateDir);
  const server = createServer((conn) => conn.end(JSON.stringify({ pid: process.pid, socketPath } satisfies Holder)));
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
    server.listen(name, () => resolve(true));
  }).catch((err: unknown) => {
    throw new StartupError("STATE_DIR_INVALID", `stateDir ${stateDir}: cannot lock it: ${String(err)}`, {
      cause: err,
    });
  });
  if (!bound) {
    const holder = await askHolder(name);
    const who = [
      holder.pid !== undefined ? `pid ${holder.pid}` : "pid unknown",
      ...(holder.socketPath !== undefined ? [`serving on ${holder.socketPath}`] : []),
    ].join(", ");
    throw new StartupError(
      "STATE_DIR_LOCKED",
      `stateDir ${stateDir} is in use by another netattachd (${who}); stop it, or give this one its own stateDir`,
    );
  }
  // The daemon's servers keep the process alive, not its lock.
  server.unref();
  return { release: () => close(server) };
}

/** The stateDir checked and created first: a file or an unreachable path is the operator's to fix. */
async function lockName(stateDir: string): Promise<string> {
  const problem = (why: string, cause?: unknown): StartupError =>
    new StartupError("STATE_DIR_INVALID", `stateDir ${stateDir}: ${why}`, { cause });
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") throw problem("not a directory (or a parent of it is a file)", err);
    throw problem(`cannot create it: ${code ?? String(err)}`, err);
  }
  const st = await stat(stateDir);
  if (!st.isDirectory()) throw problem("not a directory");
  return `\0netattach/state-dir/${st.dev}:${st.ino}`;
}

/** What the holder says about itself; nothing when it does not answer within a second. */
function askHolder(name: string): Promise<Holder> {
  return new Promise((resolve) => {
    let text = "";
    const sock = connect(name);
    const done = (): void => {
      sock.destroy();
      try {
        const h = JSON.parse(text) as Holder;
        resolve({
          ...(Number.isInteger(h.pid) ? { pid: h.pid } : {}),
          ...(typeof h.socketPath === "string" ? { socketPath: h.socketPath } : {}),
        });
      } catch {
        resolve({});
      }
    };
    sock.setTimeout(1000, done);
    sock.on("data", (b: Buffer) => (text += b.toString("utf8")));
    sock.once("end", done);
    sock.once("error", done);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
