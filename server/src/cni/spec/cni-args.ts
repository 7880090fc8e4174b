// CNI_ARGS encoding: "K=V;K=V" with no escaping (libcni), IgnoreUnknown=1 always first
// so strict skel plugins ignore keys they do not know.

import { CniError, CniErrorCode } from "./errors.js";
import { shown } from "./validate.js";

const IGNORE_UNKNOWN = "IgnoreUnknown";

function invalidArgs(msg: string): CniError {
  return new CniError({ kind: "invalid-args", code: CniErrorCode.InvalidEnvironment, msg });
}

/** Why `key`=`value` cannot travel in the unescaped CNI_ARGS format, or undefined if it can. */
export function cniArgPairProblem(key: string, value: string): string | undefined {
  if (key === "" || /[=;]/.test(key)) return "the key is empty or contains '=' or ';'";
  if (value.includes(";")) return "the value contains ';'";
  if (/\0/.test(key + value)) return "it contains NUL";
  return undefined;
}

/**
 * Join pairs as CNI_ARGS. Any caller-supplied IgnoreUnknown is replaced by one leading
 * IgnoreUnknown=1. Keys/values that would break the unescaped format are rejected.
 */
export function formatCniArgs(pairs: ReadonlyArray<readonly [string, string]>): string {
  const out = [`${IGNORE_UNKNOWN}=1`];
  for (const [key, value] of pairs) {
    if (key.toLowerCase() === IGNORE_UNKNOWN.toLowerCase()) continue;
    const problem = cniArgPairProblem(key, value);
    if (problem !== undefined) throw invalidArgs(`invalid CNI_ARGS pair ${shown(key)}=${shown(value)}: ${problem}`);
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
    if (eq < 0) throw invalidArgs(`invalid CNI_ARGS pair ${shown(segment)}: missing "="`);
    const key = segment.slice(0, eq);
    if (key === "") throw invalidArgs(`invalid CNI_ARGS pair ${shown(segment)}: empty key`);
    pairs.push([key, segment.slice(eq + 1)]);
  }
  return pairs;
}
