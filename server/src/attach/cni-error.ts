// Turns what the CNI runtime throws into the daemon's catalog, naming network, plugin and phase.
import { isCniError, type CniError } from "../cni/index.js";
import { DaemonError, isDaemonError, type ErrorContext } from "../errors/daemon-error.js";
import type { ErrorCode } from "../errors/error-codes.js";

export interface DelegateWhere {
  readonly network: string;
  readonly ifName?: string;
  /** add | del | check | gc | status | rollback | plan */
  readonly phase: string;
  readonly source?: string;
}

function reasonFor(err: CniError, signal: AbortSignal | undefined): ErrorCode {
  switch (err.kind) {
    case "plugin-failed":
    case "exec":
      return "PLUGIN_FAILED";
    case "plugin-not-found":
    case "plugin-type-invalid":
      return "PLUGIN_NOT_FOUND";
    case "timeout":
      return "PLUGIN_TIMEOUT";
    case "aborted":
      // Our own per-call deadline is a timeout; anything else is the caller going away.
      return isTimeout(signal?.reason) ? "PLUGIN_TIMEOUT" : "CANCELLED";
    case "bad-output":
      return "PLUGIN_BAD_OUTPUT";
    case "invalid-config":
      return "INVALID_NETWORK_CONFIG";
    case "invalid-args":
      return "INVALID_REQUEST";
    case "incompatible-version":
      return "INCOMPATIBLE_CNI_VERSION";
    case "cache":
      return "STATE_IO";
  }
}

export function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}

/** Wrap anything a runtime call threw; DaemonErrors pass through unchanged. */
export function toDaemonError(err: unknown, where: DelegateWhere, signal?: AbortSignal): DaemonError {
  if (isDaemonError(err)) return err;
  const iface = where.ifName !== undefined ? ` (${where.ifName})` : "";
  if (!isCniError(err)) {
    if (signal?.aborted === true) {
      const code: ErrorCode = isTimeout(signal.reason) ? "PLUGIN_TIMEOUT" : "CANCELLED";
      return new DaemonError(code, `network "${where.network}"${iface}: ${where.phase} interrupted: ${String(signal.reason)}`, context(where), { cause: err });
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new DaemonError("INTERNAL", `network "${where.network}"${iface}: ${where.phase} failed: ${msg}`, context(where), { cause: err });
  }
  const ctx: ErrorContext = {
    ...context(where),
    ...(err.plugin !== undefined ? { plugin: err.plugin } : {}),
    ...(err.source !== undefined && where.source === undefined ? { source: err.source } : {}),
    cniCode: err.code,
    ...(err.stderr !== undefined && err.stderr !== "" ? { stderr: err.stderr } : {}),
  };
  const plugin = err.plugin !== undefined ? ` plugin "${err.plugin}"` : "";
  const details = err.details !== "" ? `; ${err.details}` : "";
  const message = `network "${where.network}"${iface}:${plugin} failed on ${err.command ?? where.phase.toUpperCase()} with CNI code ${err.code}: ${err.msg}${details}`;
  return new DaemonError(reasonFor(err, signal), message, ctx, { cause: err });
}

function context(where: DelegateWhere): ErrorContext {
  return {
    network: where.network,
    phase: where.phase,
    ...(where.ifName !== undefined ? { ifName: where.ifName } : {}),
    ...(where.source !== undefined ? { source: where.source } : {}),
  };
}
