// CNI_ARGS encoding: "K=V;K=V" with no escaping (libcni), IgnoreUnknown=1 always first
// so strict skel plugins ignore keys they do not know.

import { CniError, CniErrorCode } from "./errors.js";

const IGNORE_UNKNOWN = "IgnoreUnknown";

function invalidArgs(msg: string): CniError {
  return new CniError({ kind: "invalid-args", code: CniErrorCode.InvalidEnvironment, msg });
}

/**
 * Join pairs as CNI_ARGS. Any caller-supplied IgnoreUnknown is replaced by one leading
 * IgnoreUnknown=1. Keys/values that would break the unescaped format are rejected.
 */
export function formatCniArgs(pairs: ReadonlyArray<readonly [string, string]>): string {
  const out = [`${IGNORE_UNKNOWN}=1`];
  for (const [key, value] of pairs) {
    if (key.toLowerCase() === IGNORE_UNKNOWN.toLowerCase()) continue;
    if (key === "" || /[=;]/.test(key)) throw invalidArgs(`invalid CNI_ARGS key "${key}"`);
    if (value.includes(";")) throw invalidArgs(`CNI_ARGS value for "${key}" contains ";": "${value}"`);
    if (/\0/.test(key + value)) throw invalidArgs(`CNI_ARGS pair "${key}" contains NUL`);
    out.push(`${key}=${value}`);
  }
  return out.join(";");
}

/** Tolerant parse (Multus/ocicni style SplitN(…, "=", 2)): values may contain "=". */
export function parseCniArgs(s: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const segment of s.split(";")) {
    if (segment.trim() === "") continue;
    const eq = segment.indexOf("=");
    if (eq < 0) throw invalidArgs(`invalid CNI_ARGS pair "${segment}": missing "="`);
    const key = segment.slice(0, eq);
    if (key === "") throw invalidArgs(`invalid CNI_ARGS pair "${segment}": empty key`);
    pairs.push([key, segment.slice(eq + 1)]);
  }
  return pairs;
}
