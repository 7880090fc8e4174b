// Typed read-only view of a 1.1.0 result for code outside the runtime.

import type { CniResult } from "../spec/types.js";
import { convertResult } from "./convert-result.js";

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

/** The result as 1.1.0 (a parsed result always has this shape after conversion). */
export function toResult100(result: CniResult): Result100 {
  return convertResult(result, "1.1.0") as Result100;
}
