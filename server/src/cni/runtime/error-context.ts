// Every runtime error names where it happened: network, plugin, command, source file.
import type { NetworkConfigList } from "../spec/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";

/** Any failure → CniError with where it happened; non-CniErrors become code 999 with cause. */
export function withContext(err: unknown, list: NetworkConfigList, plugin?: string, command?: string): CniError {
  const extra = {
    network: list.name,
    ...(plugin !== undefined ? { plugin } : {}),
    ...(command !== undefined ? { command } : {}),
    ...src(list),
  };
  if (err instanceof CniError) return err.withContext(extra);
  return new CniError({
    kind: "exec",
    code: CniErrorCode.Internal,
    msg: err instanceof Error ? err.message : String(err),
    ...extra,
    cause: err,
  });
}

export function src(list: NetworkConfigList): { source?: string } {
  return list.source !== undefined ? { source: list.source } : {};
}

/** Errors collected past failures, as one: the only one as is, several as one CniError (cause: an AggregateError). */
export function combineErrors(
  errors: readonly CniError[],
  list: NetworkConfigList,
  command: string,
  what: string,
): CniError | undefined {
  if (errors.length <= 1) return errors[0];
  const first = errors[0]!;
  return new CniError({
    kind: first.kind,
    code: first.code,
    msg: `${what} of network "${list.name}" failed ${errors.length} times`,
    details: errors.map((e, i) => `[${i + 1}] ${e.message}`).join("; "),
    network: list.name,
    command,
    ...src(list),
    cause: new AggregateError(errors, `${what} errors`),
  });
}
