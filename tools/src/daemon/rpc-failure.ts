// A failed daemon call as netattachctl reports it: status, catalog reason, ErrorInfo metadata.
// Connection failures (no reason) get a message that names the socket instead of grpc-js's.
import { ClientError, Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";

export interface RpcFailure {
  readonly code: string;
  readonly reason?: string;
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Set when the daemon could not be reached at all. */
  readonly socket?: string;
  /** What to check next, when the daemon could not be reached. */
  readonly hint?: string;
}

const SOCKET_HINT = "is netattachd running? the socket comes from --socket or NETATTACH_SOCKET";
// netattachd makes its socket 0600 (daemon.ts): only root reaches it.
const PERMISSION_HINT = "netattachd's socket is root's alone (mode 0600): run netattachctl as root, e.g. with sudo";
const TLS_HINT =
  "netattachd refuses a client certificate that does not chain to its tls.clientCaFile, and netattachctl a " +
  "server certificate not from --certificate-authority or not naming this address; see docs/tls.md";

/** Thrown by runRpc for a failed call; cli.ts prints it once. */
export class RpcFailureError extends Error {
  constructor(
    readonly failure: RpcFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
    this.name = "RpcFailureError";
  }
}

/** `tls`: the call went to a TCP target with mutual TLS. */
export function failureOf(err: unknown, socket: string, tls = false): RpcFailure | undefined {
  if (!(err instanceof ClientError)) return undefined;
  const info =
    err instanceof RichClientError ? err.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type) : undefined;
  const code = Status[err.code] ?? String(err.code);
  if (err.code === Status.UNAVAILABLE && info === undefined) {
    // Over TLS anything but "connection refused" (nothing listens) is the handshake failing:
    // grpc-js reports a refused client certificate only as a reset or "Failed to connect".
    const handshake = tls && !err.details.includes("ECONNREFUSED");
    return {
      code,
      message: `cannot reach netattachd at ${socket}${handshake ? ": the TLS handshake was refused or failed" : ""}${connectionCause(err.details)}`,
      metadata: {},
      socket,
      hint: handshake ? TLS_HINT : err.details.includes("EACCES") ? PERMISSION_HINT : SOCKET_HINT,
    };
  }
  return { code, ...(info ? { reason: info.reason } : {}), message: err.details, metadata: info?.metadata ?? {} };
}

export function formatFailure(command: string, f: RpcFailure): string {
  const head = `netattachctl ${command}: ${f.code}${f.reason ? ` ${f.reason}` : ""}: ${f.message}\n`;
  const meta = Object.entries(f.metadata)
    .filter(([key]) => key !== "stderr")
    .map(([key, value]) => `  ${key}: ${value}\n`)
    .join("");
  const stderr = f.metadata.stderr ? `  plugin stderr:\n${f.metadata.stderr.replace(/^/gm, "    ").trimEnd()}\n` : "";
  const hint = f.hint ? `  (${f.hint})\n` : "";
  return head + meta + stderr + hint;
}

/** grpc-js: "No connection established. Last error: Error: connect ENOENT /x. Resolution note: " → ": connect ENOENT /x". */
function connectionCause(details: string): string {
  const text = details.replace(/\s*Resolution note:.*$/s, "").trim();
  const last = /Last error: (?:[A-Za-z]*Error: )?(.*?)\.?$/s.exec(text)?.[1];
  // grpc-js adds when it gave up: "Failed to connect (2026-01-02T03:04:05.000Z)".
  const cause = (last ?? text).replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/, "");
  return cause ? `: ${cause}` : "";
}
