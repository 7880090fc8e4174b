// CNI_ARGS encoding: "K=V;K=V" with no escaping (libcni), IgnoreUnknown=1 always first
// so strict skel plugins ignore keys they do not know. A pair is what Go's skel accepts
// (types.LoadArgs splits on every '=' and wants exactly two parts): what a Go plugin would
// refuse is refused here, before any plugin runs, so an ADD cannot half-run and leave a DEL
// that fails the same way.

import { CniError, CniErrorCode } from "./errors.js";
import { shown } from "./validate.js";

const IGNORE_UNKNOWN = "IgnoreUnknown";

function invalidArgs(msg: string): CniError {
  return new CniError({ kind: "invalid-args", code: CniErrorCode.InvalidEnvironment, msg });
}

/** Why `key`=`value` cannot travel in the unescaped CNI_ARGS format, or undefined if it can. */
export function cniArgPairProblem(key: string, value: string): string | undefined {
  if (key === "") return "empty key";
  if (/[=;]/.test(key)) return "the key contains '=' or ';'";
  if (value.includes(";")) return "the value contains ';'";
  if (value.includes("=")) return `the value contains '=', which plugins refuse ("ARGS: invalid pair")`;
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

/**
 * Parse by the pair rule formatCniArgs writes with. Empty segments are skipped: formatCniArgs
 * never passes them on, so they cannot reach a plugin.
 */
export function parseCniArgs(s: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const segment of s.split(";")) {
    if (segment.trim() === "") continue;
    const eq = segment.indexOf("=");
    if (eq < 0) throw invalidArgs(`invalid CNI_ARGS pair ${shown(segment)}: missing "="`);
    const key = segment.slice(0, eq);
    const problem = cniArgPairProblem(key, segment.slice(eq + 1));
    if (problem !== undefined) throw invalidArgs(`invalid CNI_ARGS pair ${shown(segment)}: ${problem}`);
    pairs.push([key, segment.slice(eq + 1)]);
  }
  return pairs;
}
