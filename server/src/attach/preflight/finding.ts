// A problem found before anything ran (or, for routes only a result shows, right after):
// refused as a DaemonError, or, where the daemon config relaxes it, kept as a warning.
import { DaemonError, type ErrorContext } from "../../errors/daemon-error.js";
import type { ErrorCode } from "../../errors/error-codes.js";
import type { DelegateFacts } from "./delegate-facts.js";

export interface Finding {
  readonly code: ErrorCode;
  readonly message: string;
  /** Every network concerned, namespace/name or conf name. */
  readonly networks: readonly string[];
  readonly context: ErrorContext;
  /** True when the daemon config turns this finding into a warning. */
  readonly relaxed: boolean;
}

export const REFUSED = "refused before running any plugin";

/** Context naming the delegate: network, interface, source, and the plugin when one is concerned. */
export function contextOf(f: DelegateFacts, plugin?: string): ErrorContext {
  return {
    network: f.delegate.network,
    ifName: f.delegate.ifName,
    source: f.source,
    phase: "preflight",
    ...(plugin !== undefined ? { plugin } : {}),
  };
}

/** `network "x" (net1) in <source>` */
export function describeDelegate(f: DelegateFacts): string {
  return `network "${f.delegate.network}" (${f.delegate.ifName}) in ${f.source}`;
}

/** Throws the first finding that is not relaxed; returns the relaxed ones. */
export function refuseOrWarn(findings: readonly Finding[]): Finding[] {
  const refusal = findings.find((f) => !f.relaxed);
  if (refusal !== undefined) throw toDaemonError(refusal);
  return [...findings];
}

export function toDaemonError(f: Finding): DaemonError {
  return new DaemonError(f.code, f.message, f.context);
}
