// The daemon's socket could not be connected: the request never left the shim, so the
// call did not happen. The one transport failure ADD may safely retry.
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";

/** errno codes of connect(2) on a unix socket: nothing was sent. */
export const CONNECT_ERRNOS: ReadonlySet<string> = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "EAGAIN",
  "EACCES",
  "EPERM",
  "ENOTDIR",
  "ENOTSOCK",
  "ENAMETOOLONG",
  "ELOOP",
]);
/** Those that mean "nobody listens there (yet)": a daemon that is (re)starting. */
const NOT_LISTENING = new Set(["ENOENT", "ECONNREFUSED", "EAGAIN"]);
/** The others: what is at socketPath, or who the shim runs as, is wrong; no retry and no wait can fix it. */
const WRONG_SOCKET: Readonly<Record<string, string>> = {
  ENOTSOCK: "not a socket",
  ENOTDIR: "a component of the path is not a directory",
  ELOOP: "too many symbolic links (a loop)",
  ENAMETOOLONG: "longer than a unix socket path may be (107 bytes)",
  EACCES: "permission denied (the shim must run as the socket's owner, root)",
  EPERM: "permission denied (the shim must run as the socket's owner, root)",
};

export class SocketConnectError extends ClientError {
  /** The socket's errno code (ENOENT, ECONNREFUSED, EACCES, ...), "" when unknown. */
  readonly errno: string;

  constructor(path: string, cause: unknown) {
    // grpc-js's wording, kept so logs and messages read as they always did.
    super(path, Status.UNAVAILABLE, `No connection established. Last error: ${String(cause)}`);
    this.name = "SocketConnectError";
    this.errno = (cause as { code?: unknown } | null)?.code?.toString() ?? "";
    this.cause = cause;
  }

  /** True when waiting can fix it: the socket is missing or nobody accepts on it. */
  get notListening(): boolean {
    return NOT_LISTENING.has(this.errno);
  }

  /** What is wrong with socketPath when no retry can fix it (what is there, when known); undefined otherwise. */
  get wrongSocket(): string | undefined {
    const what = (this.cause as { what?: unknown } | null)?.what;
    return typeof what === "string" ? what : WRONG_SOCKET[this.errno];
  }
}

/** The call's deadline had passed before it was sent: nothing left the shim, as with a socket not connected. */
export class NotSentError extends ClientError {
  constructor(path: string) {
    super(path, Status.DEADLINE_EXCEEDED, "Deadline exceeded before the call was sent");
    this.name = "NotSentError";
  }
}

/**
 * connect(2) to a file that is not a socket fails with ECONNREFUSED, as a dead daemon's socket
 * does. The daemon never listens on such a file (it refuses to start, SOCKET_PATH_TAKEN), so
 * waiting cannot fix it: say ENOTSOCK and what is there. Looked at only on this failure path.
 */
export async function connectCause(socketPath: string, err: unknown): Promise<unknown> {
  if ((err as { code?: unknown } | null)?.code !== "ECONNREFUSED") return err;
  const { lstat } = await import("node:fs/promises");
  const st = await lstat(socketPath).catch(() => undefined);
  if (st === undefined || st.isSocket()) return err;
  const kind = st.isFile() ? "a regular file" : st.isDirectory() ? "a directory" : "a file";
  return Object.assign(new Error(`connect ENOTSOCK ${socketPath}: ${kind}, not a socket`), {
    code: "ENOTSOCK",
    what: `${kind}, not a socket`,
    cause: err,
  });
}
