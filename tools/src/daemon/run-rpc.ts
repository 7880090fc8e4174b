// Runs one daemon call for a command: client lifetime, deadline, cancellation, and the
// printing of a failed call (status, catalog reason, ErrorInfo metadata).
import { ClientError, Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { ExitCode, type CommandContext } from "../command.js";
import { createDaemonClient, type DaemonClient } from "../daemon-client.js";
import type { CommonFlags } from "./daemon-options.js";

export interface RpcFailure {
  readonly code: string;
  readonly reason?: string;
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export async function runRpc(
  name: string,
  ctx: CommandContext,
  flags: CommonFlags,
  call: (client: DaemonClient, opts: { deadline: Date; signal?: AbortSignal }) => Promise<ExitCode>,
): Promise<ExitCode> {
  const client = createDaemonClient(flags.socket);
  try {
    return await call(client, { deadline: new Date(Date.now() + flags.timeoutMs), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (err) {
    const failure = failureOf(err);
    if (failure === undefined) throw err;
    if (flags.json) ctx.stdout.write(JSON.stringify({ error: failure }, null, 2) + "\n");
    ctx.stderr.write(formatFailure(name, failure, flags.socket));
    return ExitCode.Failed;
  } finally {
    client.close();
  }
}

export function failureOf(err: unknown): RpcFailure | undefined {
  if (!(err instanceof ClientError)) return undefined;
  const info = err instanceof RichClientError ? err.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type) : undefined;
  return {
    code: Status[err.code] ?? String(err.code),
    ...(info ? { reason: info.reason } : {}),
    message: err.details,
    metadata: info?.metadata ?? {},
  };
}

export function formatFailure(name: string, f: RpcFailure, socket: string): string {
  const head = `netattachctl ${name}: ${f.code}${f.reason ? ` ${f.reason}` : ""}: ${f.message}\n`;
  const meta = Object.entries(f.metadata)
    .filter(([key]) => key !== "stderr")
    .map(([key, value]) => `  ${key}: ${value}\n`)
    .join("");
  const stderr = f.metadata.stderr ? `  plugin stderr:\n${f.metadata.stderr.replace(/^/gm, "    ").trimEnd()}\n` : "";
  const hint = f.code === "UNAVAILABLE" && !f.reason ? `  (is netattachd running on ${socket}?)\n` : "";
  return head + meta + stderr + hint;
}
