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
}
