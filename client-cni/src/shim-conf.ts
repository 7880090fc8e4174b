// The network config containerd sends on stdin: the standard keys, the shim's own keys
// (where the daemon is, how long to wait, where to log) and the runtime's capability args.
import { CniErrorCode, isJsonObject } from "../../server/src/cni/spec/index.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { DEFAULT_SOCKET_PATH } from "../../server/src/wire/index.js";
import { ShimError } from "./shim-error.js";

export const DEFAULT_READINESS_TIMEOUT_MS = 30_000;
/** Below the kubelet's 2 min CRI deadline, so our error (not the runtime's) is reported. */
export const DEFAULT_CALL_TIMEOUT_MS = 110_000;
/** Longest timer delay: 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export interface ShimConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly socketPath: string;
  readonly readinessTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly logFile: string | undefined;
  readonly logLevel: LogLevel;
  /** Capability args as sent (keys untouched). */
  readonly runtimeConfig: Readonly<Record<string, unknown>> | undefined;
  /** GC: the container ids still in use (`cni.dev/valid-attachments`, or 1.1.0's `cni.dev/attachments`). */
  readonly validContainerIds: readonly string[] | undefined;
}


/** What a version can look like; anything else (a megabyte of text) is never echoed back. */
const VERSION_SHAPE = /^\d{1,4}\.\d{1,4}\.\d{1,4}$/;

/** Only `cniVersion`, tolerant: VERSION and error output need it before anything is validated. Undefined unless it looks like a version. */
export function peekCniVersion(stdin: string): string | undefined {
  try {
    const v: unknown = JSON.parse(stdin);
    return isJsonObject(v) && typeof v["cniVersion"] === "string" && VERSION_SHAPE.test(v["cniVersion"]) ? v["cniVersion"] : undefined;
  } catch {
    return undefined;
  }
}

export function parseShimConf(stdin: string): ShimConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (err) {
    throw new ShimError(CniErrorCode.DecodeFailure, "error parsing network configuration", (err as Error).message, { cause: err });
  }
  if (!isJsonObject(raw)) throw new ShimError(CniErrorCode.DecodeFailure, "network configuration is not a JSON object");
  const str = (key: string, def: string | undefined): string | undefined => {
    const v = raw[key];
    if (v === undefined) return def;
    if (typeof v !== "string" || v === "") throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "${key}": must be a non-empty string`, quoteInput(v));
    return v;
  };
  const ms = (key: string, def: number): number => {
    const v = raw[key];
    if (v === undefined) return def;
    // Above MAX_TIMER_MS a timer fires at once (node and Bun alike): a huge wait would be no wait.
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_TIMER_MS) {
      throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "${key}": must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`, quoteInput(v));
    }
    return v;
  };
  const logLevel = str("logLevel", "warn") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "logLevel": ${quoteInput(logLevel)}`, `one of ${LOG_LEVELS.join(", ")}`);
  const runtimeConfig = raw["runtimeConfig"];
  if (runtimeConfig !== undefined && !isJsonObject(runtimeConfig)) throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "runtimeConfig": must be an object`);
  return {
    // A config without cniVersion is 0.1.0 by the spec (and then rejected as too old).
    cniVersion: str("cniVersion", "0.1.0") ?? "0.1.0",
    name: str("name", "") ?? "",
    socketPath: str("socketPath", DEFAULT_SOCKET_PATH) ?? DEFAULT_SOCKET_PATH,
    readinessTimeoutMs: ms("readinessTimeoutMs", DEFAULT_READINESS_TIMEOUT_MS),
    callTimeoutMs: ms("callTimeoutMs", DEFAULT_CALL_TIMEOUT_MS),
    logFile: str("logFile", undefined),
    logLevel,
    runtimeConfig,
    validContainerIds: validIds(raw["cni.dev/valid-attachments"] ?? raw["cni.dev/attachments"]),
  };
}

function validIds(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "cni.dev/valid-attachments": must be a list`);
  const ids = v.map((a: unknown) => (isJsonObject(a) && typeof a["containerID"] === "string" ? a["containerID"] : ""));
  if (ids.includes("")) throw new ShimError(CniErrorCode.InvalidNetworkConfig, `invalid "cni.dev/valid-attachments": every entry needs a containerID`);
  return [...new Set(ids)];
}
