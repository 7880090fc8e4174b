// Turns what the CNI runtime throws into the daemon's catalog, naming network, plugin and phase.
import { isCniError, isShimRefusal, type CniError } from "../cni/index.js";
import { DaemonError, isDaemonError, type ErrorContext } from "../errors/daemon-error.js";
import { cniCodeOf, type ErrorCode } from "../errors/error-codes.js";
import { codeFromCniKind } from "../errors/code-from-cni-kind.js";
import { selfDelegationError, SHIM_TYPE } from "../resolve/index.js";
import { endedByDeadline } from "./call-deadline.js";

export interface DelegateWhere {
  readonly network: string;
  readonly ifName?: string;
  /** add | del | check | gc | status | rollback | plan */
  readonly phase: string;
  readonly source?: string;
}

/** Runtime failures decided before any plugin process ran: they must not read as a plugin's failure. */
const REFUSED_BEFORE_EXEC: ReadonlySet<CniError["kind"]> = new Set([
  "invalid-config",
  "plugin-not-found",
  "plugin-type-invalid",
  "incompatible-version",
  "invalid-args",
]);

/** True when `err` (or the CniError it wraps) was decided before any plugin process of the call ran. */
export function ranNoPlugin(err: unknown): boolean {
  const cni = isCniError(err) ? err : isDaemonError(err) && isCniError(err.cause) ? err.cause : undefined;
  return cni !== undefined && REFUSED_BEFORE_EXEC.has(cni.kind);
}

/** errno of an exec that found the binary but could not run it (gone since, no x bit, not a program). */
const UNRUNNABLE: ReadonlySet<string> = new Set(["ENOENT", "EACCES", "ENOEXEC"]);

/**
 * True when a plugin's binary is missing or cannot be executed: a node condition (an upgrade, a
 * changed cniBinDirs), not the config's fault, so what the plugin holds is released once it is back.
 */
export function binaryUnusable(error: DaemonError): boolean {
  const cni = isCniError(error.cause) ? error.cause : undefined;
  if (cni === undefined) return false;
  if (cni.kind === "plugin-not-found") return true;
  return cni.kind === "exec" && UNRUNNABLE.has((cni.cause as NodeJS.ErrnoException | undefined)?.code ?? "");
}

function reasonFor(err: CniError, signal: AbortSignal | undefined): ErrorCode {
  // A deadline (ours or the caller's) is a timeout; anything else is the caller going away.
  if (err.kind === "aborted") return endedByDeadline(signal) ? "PLUGIN_TIMEOUT" : "CANCELLED";
  return codeFromCniKind(err.kind);
}

export { isTimeout } from "./call-deadline.js";

/** Wrap anything a runtime call threw; DaemonErrors pass through unchanged. */
export function toDaemonError(err: unknown, where: DelegateWhere, signal?: AbortSignal): DaemonError {
  if (isDaemonError(err)) return err;
  const iface = where.ifName !== undefined ? ` (${where.ifName})` : "";
  if (!isCniError(err)) {
    if (signal?.aborted === true) {
      const code: ErrorCode = endedByDeadline(signal) ? "PLUGIN_TIMEOUT" : "CANCELLED";
      return new DaemonError(
        code,
        `network "${where.network}"${iface}: ${where.phase} interrupted: ${String(signal.reason)}`,
        context(where),
        { cause: err },
      );
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new DaemonError(
      "INTERNAL",
      `network "${where.network}"${iface}: ${where.phase} failed: ${msg}`,
      context(where),
      { cause: err },
    );
  }
  // The shim refused to run as a delegate: a copy of it under another name is in the chain.
  if (err.kind === "plugin-failed" && isShimRefusal(err.code, err.details)) {
    const place = `plugin "${err.plugin ?? "?"}" is, or runs, a copy of ${SHIM_TYPE} under another name`;
    return selfDelegationError(where.network, where.source ?? "unknown source", place, where.phase, {
      plugin: err.plugin,
      said: err.msg,
      cause: err,
    });
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
  const command = err.command ?? where.phase.toUpperCase();
  const reason = reasonFor(err, signal);
  // The code the caller will get, so message and code agree (a plugin's own only for PLUGIN_FAILED).
  const cniCode = cniCodeOf(reason, err.code);
  const message = REFUSED_BEFORE_EXEC.has(err.kind)
    ? `network "${where.network}"${iface}: ${command} refused before running${plugin || " any plugin"} (CNI code ${cniCode}): ${err.msg}${details}`
    : `network "${where.network}"${iface}:${plugin} failed on ${command} with CNI code ${cniCode}: ${err.msg}${details}`;
  return new DaemonError(reason, message, ctx, { cause: err });
}

function context(where: DelegateWhere): ErrorContext {
  return {
    network: where.network,
    phase: where.phase,
    ...(where.ifName !== undefined ? { ifName: where.ifName } : {}),
    ...(where.source !== undefined ? { source: where.source } : {}),
  };
}
