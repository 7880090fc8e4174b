// The network config containerd sends on stdin: the standard keys, the shim's own keys
// (where the daemon is, how long to wait, where to log) and the runtime's capability args,
// checked by one valibot schema (the daemon config's library) that yields their defaults too.
import * as v from "valibot";
import { CniErrorCode, isJsonObject } from "../../server/src/cni/spec/index.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SOCKET_PATH,
  MIN_CALL_TIMEOUT_MS,
  MIN_MAX_MESSAGE_BYTES,
} from "../../server/src/wire/index.js";
import { ShimError } from "./shim-error.js";

export const DEFAULT_READINESS_TIMEOUT_MS = 30_000;
/**
 * The most stdin the shim reads: the request the daemon takes by default (limits.maxMessageBytes),
 * twice, for the conf keys a request leaves out (prevResult, capabilities, plugins). Without a bound a
 * runtime's 200 MB conf was read whole (622 MB RSS) before the daemon refused its request.
 */
export const MAX_STDIN_BYTES = 2 * DEFAULT_MAX_MESSAGE_BYTES;
/**
 * The largest runtimeConfig (its JSON) a DEL forwards: half the smallest request any daemon takes, so a
 * DEL is never refused for its size. Only a DEL with nothing saved reads it (detach-unrecorded.ts).
 */
export const MAX_DEL_RUNTIME_CONFIG_BYTES = MIN_MAX_MESSAGE_BYTES / 2;
/**
 * The whole command's deadline, a wait for readiness included (call-policy.ts): below the kubelet's
 * 2 min CRI deadline, so our error (not the runtime's) is reported.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 110_000;
/** Longest timer delay: 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const nonEmptyString = v.pipe(v.string("must be a non-empty string"), v.nonEmpty("must be a non-empty string"));
// Above MAX_TIMER_MS a timer fires at once (node and Bun alike): a huge wait would be no wait.
const millis = (min: number) => {
  const what = `must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}`;
  return v.pipe(v.number(what), v.finite(what), v.minValue(min, what), v.maxValue(MAX_TIMER_MS, what));
};
/**
 * Paths that name the shim's own stdout, which carries the CNI result or error and nothing else: a log
 * line there makes the runtime's JSON unparsable. Any other path that turns out to be stdout is caught
 * when the log is opened (main.ts compares it with fd 1).
 */
const STDOUT_PATH = /^\/+(?:dev\/+(?:stdout|fd\/+1)|proc\/+(?:self|thread-self)\/+fd\/+1)\/*$/;
const logFilePath = v.pipe(
  nonEmptyString,
  v.check((path) => !STDOUT_PATH.test(path), "must not be stdout, which carries only the CNI result or error"),
);
/** A GC attachment's key: a non-empty string (CNI: each entry is `{containerID, ifname}`). */
const entryKey = (key: string) =>
  v.pipe(v.string(`every entry needs a ${key}`), v.nonEmpty(`every entry needs a ${key}`));
/**
 * GC's attachments still in use. Only their container ids go to the daemon, but an entry without
 * its ifname is not the spec's: a runtime that sends one is refused before anything is collected.
 */
const attachments = v.array(
  v.looseObject(
    { containerID: entryKey("a containerID"), ifname: entryKey("an ifname") },
    "every entry needs a containerID and an ifname",
  ),
  "must be a list",
);

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
  /** The chain's previous result as sent (undefined when absent); CHECK decodes it (prev-result.ts). */
  readonly prevResult: unknown;
}

/** What a version can look like; anything else (a megabyte of text) is never echoed back. */
const VERSION_SHAPE = /^\d{1,4}\.\d{1,4}\.\d{1,4}$/;

/** Only `cniVersion`, tolerant: VERSION and error output need it before anything is validated. Undefined unless it looks like a version. */
export function peekCniVersion(stdin: string): string | undefined {
  try {
    const v: unknown = JSON.parse(stdin);
    return isJsonObject(v) && typeof v["cniVersion"] === "string" && VERSION_SHAPE.test(v["cniVersion"])
      ? v["cniVersion"]
      : undefined;
  } catch {
    return undefined;
  }
}

/** The keys the shim reads, each with its rule and default; every other key (type, plugins, …) passes untouched. */
export const SHIM_CONF_SCHEMA = v.looseObject({
  // A config without cniVersion is 0.1.0 by the spec (and then rejected as too old).
  cniVersion: v.optional(nonEmptyString, "0.1.0"),
  name: v.optional(nonEmptyString),
  socketPath: v.optional(nonEmptyString, DEFAULT_SOCKET_PATH),
  // 0: ADD does not wait for readiness.
  readinessTimeoutMs: v.optional(millis(0), DEFAULT_READINESS_TIMEOUT_MS),
  callTimeoutMs: v.optional(millis(MIN_CALL_TIMEOUT_MS), DEFAULT_CALL_TIMEOUT_MS),
  logFile: v.optional(logFilePath),
  logLevel: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`), "warn"),
  runtimeConfig: v.optional(v.custom<Readonly<Record<string, unknown>>>(isJsonObject, "must be an object")),
  "cni.dev/valid-attachments": v.optional(attachments),
  "cni.dev/attachments": v.optional(attachments),
});

export function parseShimConf(stdin: string | undefined): ShimConf {
  if (stdin === undefined)
    throw new ShimError(
      CniErrorCode.InvalidNetworkConfig,
      `network configuration on stdin is over ${MAX_STDIN_BYTES} bytes`,
      `netattach-cni reads at most ${MAX_STDIN_BYTES} bytes (netattachd takes requests up to limits.maxMessageBytes, ${DEFAULT_MAX_MESSAGE_BYTES} by default)`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (err) {
    throw new ShimError(CniErrorCode.DecodeFailure, "error parsing network configuration", (err as Error).message, {
      cause: err,
    });
  }
  if (!isJsonObject(raw)) throw new ShimError(CniErrorCode.DecodeFailure, "network configuration is not a JSON object");
  const parsed = v.safeParse(SHIM_CONF_SCHEMA, raw, { abortEarly: true });
  if (!parsed.success) {
    const { key, message } = firstIssue(parsed.issues);
    throw new ShimError(
      CniErrorCode.InvalidNetworkConfig,
      `invalid ${quoteInput(key)}: ${message}`,
      quoteInput(raw[key]),
    );
  }
  return toShimConf(parsed.output);
}

/**
 * DEL's conf: a DEL never fails on its inputs (a runtime retries a failed DEL forever, and the conflist
 * may have been edited since the ADD). What does not read is dropped, its default taken, and returned
 * to be said in a warn line: a stdin over MAX_STDIN_BYTES or not a JSON object is dropped whole (the
 * DEL goes on from the environment: container id, ifname, netns and CNI_ARGS), a bad key alone.
 */
export function parseShimConfForDel(stdin: string | undefined): { conf: ShimConf; dropped: ShimConfIssue[] } {
  const dropped: ShimConfIssue[] = [];
  let raw: Record<string, unknown> = {};
  if (stdin === undefined) dropped.push({ key: "stdin", message: `over ${MAX_STDIN_BYTES} bytes, not read` });
  else {
    try {
      const parsed: unknown = JSON.parse(stdin);
      if (isJsonObject(parsed)) raw = parsed;
      else dropped.push({ key: "stdin", message: "not a JSON object" });
    } catch (err) {
      dropped.push({ key: "stdin", message: `not JSON: ${(err as Error).message}` });
    }
  }
  for (;;) {
    const parsed = v.safeParse(SHIM_CONF_SCHEMA, raw, { abortEarly: true });
    if (parsed.success) return { conf: toShimConf(parsed.output), dropped };
    const issue = firstIssue(parsed.issues);
    dropped.push(issue);
    if (!(issue.key in raw)) return { conf: toShimConf(v.parse(SHIM_CONF_SCHEMA, {})), dropped };
    raw = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== issue.key));
  }
}

function toShimConf(conf: v.InferOutput<typeof SHIM_CONF_SCHEMA>): ShimConf {
  const valid = conf["cni.dev/valid-attachments"] ?? conf["cni.dev/attachments"];
  return {
    cniVersion: conf.cniVersion,
    name: conf.name ?? "",
    socketPath: conf.socketPath,
    readinessTimeoutMs: conf.readinessTimeoutMs,
    callTimeoutMs: conf.callTimeoutMs,
    logFile: conf.logFile,
    logLevel: conf.logLevel,
    runtimeConfig: conf.runtimeConfig,
    validContainerIds: valid === undefined ? undefined : [...new Set(valid.map((a) => a.containerID))],
    prevResult: conf["prevResult"],
  };
}

export interface ShimConfIssue {
  /** The top-level key of the plugin conf that is refused. */
  readonly key: string;
  readonly message: string;
}

/** The first key of a plugin conf the shim would refuse, and why; undefined when it accepts the conf. */
export function shimConfIssue(raw: Readonly<Record<string, unknown>>): ShimConfIssue | undefined {
  const parsed = v.safeParse(SHIM_CONF_SCHEMA, raw, { abortEarly: true });
  return parsed.success ? undefined : firstIssue(parsed.issues);
}

function firstIssue(issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): ShimConfIssue {
  const [issue] = issues;
  const path = issue.path ?? [];
  // Below the top-level key, where: an attachment's index, a runtimeConfig key.
  const below = path
    .slice(1)
    .map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`))
    .join("");
  return { key: String(path[0]?.key), message: below === "" ? issue.message : `${issue.message} (at ${below})` };
}
