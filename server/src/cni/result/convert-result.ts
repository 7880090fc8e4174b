// Convert a result between any two spec versions, pivoting on the 0.4.0 shape like
// libcni's converter table. Pure: the input is never mutated.

import { CniError, CniErrorCode } from "../spec/errors.js";
import type { CniResult } from "../spec/types.js";
import { from020, to020 } from "./convert-020.js";
import { from040, to040 } from "./convert-100.js";
import { resultFamily } from "./versions.js";

function noConverter(from: string, to: string): CniError {
  return new CniError({
    kind: "incompatible-version",
    code: CniErrorCode.IncompatibleVersion,
    msg: `no converter for CNI result version ${from} to ${to}`,
  });
}

export function convertResult(result: CniResult, toVersion: string): CniResult {
  const from = result.cniVersion;
  const fromFamily = resultFamily(from);
  const toFamily = resultFamily(toVersion);
  if (fromFamily === undefined || toFamily === undefined) throw noConverter(from, toVersion);
  const src = structuredClone(result);
  if (fromFamily === toFamily) return { ...src, cniVersion: toVersion };
  const mid = fromFamily === "040" ? src : fromFamily === "020" ? from020(src) : to040(src);
  const out = toFamily === "040" ? mid : toFamily === "020" ? to020(mid, from, toVersion) : from040(mid);
  return { ...out, cniVersion: toVersion };
}
