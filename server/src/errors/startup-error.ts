/** Why the daemon cannot start. Never crosses the wire: main prints it and exits. */
export type StartupErrorCode =
  | "SOCKET_IN_USE"
  | "SOCKET_PATH_TAKEN"
  | "SOCKET_PATH_INVALID"
  | "LISTEN_FAILED"
  | "TLS_REQUIRED"
  | "TLS_UNREADABLE"
  | "TLS_INVALID"
  | "STATE_DIR_LOCKED"
  | "STATE_DIR_INVALID";

export class StartupError extends Error {
  readonly code: StartupErrorCode;

  constructor(code: StartupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartupError";
    this.code = code;
  }
}
