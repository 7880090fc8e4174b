// A unix socket path made ready for listening: private parent dir, stale socket removed,
// a live daemon on it refused.
import { lstat, mkdir, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { dirname } from "node:path";
import { StartupError } from "../errors/startup-error.js";

export async function prepareUnixSocket(path: string): Promise<void> {
  // A parent that is a file, or one we may not create, is a setting to fix: named, no stack.
  const unusable = (err: NodeJS.ErrnoException): StartupError =>
    new StartupError(
      "SOCKET_PATH_INVALID",
      `socketPath ${path}: ${err.code === "EEXIST" || err.code === "ENOTDIR" ? "a parent of it is not a directory" : `cannot use it: ${err.code ?? err.message}`}`,
      { cause: err },
    );
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw unusable(err);
  });
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw unusable(err);
  });
  if (st === undefined) return;
  if (!st.isSocket()) {
    throw new StartupError("SOCKET_PATH_TAKEN", `${path} exists and is not a socket; refusing to replace it`);
  }
  const outcome = await probe(path);
  if (outcome === "live") {
    throw new StartupError("SOCKET_IN_USE", `another process is serving on ${path} (is netattachd already running?)`);
  }
  // Nobody listens: a leftover of a daemon that died. Remove it (it may vanish meanwhile).
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

/** "live" when something accepts connections on the socket, "stale" when refused. */
export function probe(path: string): Promise<"live" | "stale"> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    sock.once("connect", () => {
      sock.destroy();
      resolve("live");
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      sock.destroy();
      if (err.code === "ECONNREFUSED" || err.code === "ENOENT") resolve("stale");
      else reject(err);
    });
  });
}
