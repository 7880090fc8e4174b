// Typed read-only view of a 1.1.0 result for code outside the runtime: converted, then checked
// against the 1.x shape rules, so its types hold (a result read back from disk included).

import { CniError, CniErrorCode } from "../spec/errors.js";
import type { CniResult } from "../spec/types.js";
import { convertResult } from "./convert-result.js";
import { ShapeError } from "./shape.js";
import { validateResultShape } from "./validate-result.js";

export interface Interface100 {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly sandbox?: string;
  readonly socketPath?: string;
  readonly pciID?: string;
}

export interface IPConfig100 {
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

export interface Route100 {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
  readonly advmss?: number;
  readonly priority?: number;
  readonly table?: number;
  readonly scope?: number;
}

export interface DNS100 {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

export interface Result100 {
  readonly cniVersion: string;
  readonly interfaces?: readonly Interface100[];
  readonly ips?: readonly IPConfig100[];
  readonly routes?: readonly Route100[];
  readonly dns?: DNS100;
}

/** The result as 1.1.0; a result that does not have a valid shape is a bad-output CniError. */
export function toResult100(result: CniResult): Result100 {
  const converted = convertResult(result, "1.1.0");
  try {
    validateResultShape(converted, "100");
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new CniError({
      kind: "bad-output",
      code: CniErrorCode.DecodeFailure,
      msg: `invalid CNI result: ${err.message} (CNI ${result.cniVersion} result)`,
      cause: err,
    });
  }
  return converted as Result100;
}
