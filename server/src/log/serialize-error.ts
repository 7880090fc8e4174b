// The `err` field of a log line. An error netattach raised on purpose (DaemonError with a
// catalog reason other than INTERNAL, CniError from a plugin or a config) is an expected
// outcome: its type, message, reason and context are logged, its stack is not. Anything else
// (a bug) keeps pino's full serialisation with the stack and the cause chain.
import { pino } from "pino";
import { isCniError } from "../cni/index.js";
import { isDaemonError } from "../errors/daemon-error.js";

const MAX_CAUSES = 8;

export function serializeError(err: unknown): unknown {
  if (!isExpected(err)) return pino.stdSerializers.errWithCause(err as Error);
  return expectedError(err as Error, 0);
}

function isExpected(err: unknown): boolean {
  return (isDaemonError(err) && err.code !== "INTERNAL") || isCniError(err);
}

function expectedError(err: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  if (isDaemonError(err)) Object.assign(out, { reason: err.code }, err.context);
  if (isCniError(err)) Object.assign(out, { code: err.code, ...(err.details ? { details: err.details } : {}) });
  const cause = err.cause;
  if (cause instanceof Error && depth < MAX_CAUSES)
    out.cause = isExpected(cause) ? expectedError(cause, depth + 1) : pino.stdSerializers.errWithCause(cause);
  return out;
}
