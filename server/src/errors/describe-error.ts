// What a thrown value means in catalog terms — reason, message, where (network, plugin, phase,
// ...) and the plugin's details — for every consumer: the gRPC edge (to-server-error.ts) and the
// event stream alike. `expected` false means a bug of ours (INTERNAL); its message is not shown.
import { isCniError, type CniError } from "../cni/index.js";
import { codeFromCniKind } from "./code-from-cni-kind.js";
import type { ErrorCode } from "./error-codes.js";
import { isDaemonError, type ErrorContext } from "./daemon-error.js";

export interface ErrorDescription {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: ErrorContext;
  /** The plugin's own `details`, when a CNI error carried them. */
  readonly details?: string;
  readonly expected: boolean;
}

/** Sent instead of the message of an unexpected error; the log has the details. */
export const INTERNAL_MESSAGE = "internal error in netattachd; see the daemon log";

export function describeError(err: unknown): ErrorDescription {
  if (isDaemonError(err)) {
    const cni = findCniError(err.cause);
    return withDetails(
      {
        code: err.code,
        message: err.message,
        context: { ...contextFromCniError(cni), ...definedOnly(err.context) },
        expected: true,
      },
      cni?.details,
    );
  }
  if (isCniError(err))
    return withDetails(
      { code: codeFromCniKind(err.kind), message: err.message, context: contextFromCniError(err), expected: true },
      err.details,
    );
  if (isAbortError(err)) return { code: "CANCELLED", message: "the call was cancelled", context: {}, expected: true };
  return { code: "INTERNAL", message: INTERNAL_MESSAGE, context: {}, expected: false };
}

function withDetails(d: ErrorDescription, details: string | undefined): ErrorDescription {
  return details ? { ...d, details } : d;
}

function contextFromCniError(err: CniError | undefined): ErrorContext {
  if (!err) return {};
  return definedOnly({
    network: err.network,
    plugin: err.plugin,
    phase: err.command?.toLowerCase(),
    source: err.source,
    cniCode: err.code,
    stderr: err.stderr,
  });
}

/** The first CniError in a cause chain (bounded, cycles ignored). */
function findCniError(err: unknown): CniError | undefined {
  for (let cur = err, depth = 0; cur !== undefined && depth < 16; depth++) {
    if (isCniError(cur)) return cur;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return undefined;
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
