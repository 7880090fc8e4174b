// The one place a failed command is printed: once, as {"error": ...} on stdout with -o json or
// yaml, as text on stderr otherwise. Exit 2 for usage errors, 1 for everything else.
import { ExitCode, UsageError, type Output } from "./command.js";
import { formatFailure, RpcFailureError, type RpcFailure } from "./daemon/rpc-failure.js";
import { isStructured, structuredText, type OutputFormat } from "./output/output-format.js";

export interface ErrorReportTarget {
  readonly command: string | undefined;
  readonly format: OutputFormat;
  readonly stdout: Output;
  readonly stderr: Output;
}

export function reportError(err: unknown, t: ErrorReportTarget): ExitCode {
  const failure = describe(err);
  const exit = err instanceof UsageError ? ExitCode.Usage : ExitCode.Failed;
  if (isStructured(t.format)) {
    t.stdout.write(structuredText(t.format, { error: failure }));
    return exit;
  }
  const prefix = t.command ? `netattachctl ${t.command}` : "netattachctl";
  if (err instanceof RpcFailureError) t.stderr.write(formatFailure(t.command ?? "", err.failure));
  else if (err instanceof UsageError) t.stderr.write(`${prefix}: ${err.message}\n(run "${prefix} --help")\n`);
  else t.stderr.write(`${prefix}: ${failure.message}\n`);
  return exit;
}

function describe(err: unknown): RpcFailure {
  if (err instanceof RpcFailureError) return err.failure;
  const message = err instanceof Error ? err.message : String(err);
  return { code: err instanceof UsageError ? "USAGE" : "FAILED", message, metadata: {} };
}
