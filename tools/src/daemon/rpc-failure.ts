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
}

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

export function failureOf(err: unknown, socket: string): RpcFailure | undefined {
  if (!(err instanceof ClientError)) return undefined;
  const info =
    err instanceof RichClientError ? err.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type) : undefined;
  const code = Status[err.code] ?? String(err.code);
  if (err.code === Status.UNAVAILABLE && info === undefined) {
    return {
      code,
      message: `cannot reach netattachd at ${socket}${connectionCause(err.details)}`,
      metadata: {},
      socket,
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
  const hint = f.socket ? "  (is netattachd running? the socket comes from --socket or NETATTACH_SOCKET)\n" : "";
  return head + meta + stderr + hint;
}

/** grpc-js: "No connection established. Last error: Error: connect ENOENT /x. Resolution note: " → ": connect ENOENT /x". */
function connectionCause(details: string): string {
  const text = details.replace(/\s*Resolution note:.*$/s, "").trim();
  const last = /Last error: (?:[A-Za-z]*Error: )?(.*?)\.?$/s.exec(text)?.[1];
  const cause = last ?? text;
  return cause ? `: ${cause}` : "";
}
