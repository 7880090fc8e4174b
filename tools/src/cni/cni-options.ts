// Parses `netattachctl cni <op> ...` into one invocation. Flags win over the cnitool
// environment variables (NETCONFPATH, CNI_PATH, CNI_ARGS, CAP_ARGS, CNI_IFNAME).
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { CniError, parseCniArgs, type Attachment, type JsonObject } from "../../../server/src/cni/index.js";
import { UsageError } from "../command.js";
import { parseLocalCommand } from "../daemon/daemon-options.js";
import { isStructured, parseOutputFormat } from "../output/output-format.js";
import { parseDuration } from "./parse-duration.js";

export const CNI_OPS = ["add", "check", "del", "gc", "status", "version"] as const;
export type CniOp = (typeof CNI_OPS)[number];

export const DEFAULTS = {
  confDir: "/etc/cni/net.d",
  binDirs: ["/usr/lib/cni", "/opt/cni/bin"],
  cacheDir: "/var/lib/netattach/cni",
  ifName: "eth0",
  timeoutMs: 60_000,
} as const;

export interface CniInvocation {
  readonly op: CniOp;
  /** Network name or conf file (add..status); plugin type (version). */
  readonly target: string;
  /** Absolute netns path; "" for DEL of a gone netns. */
  readonly netns: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly cniArgs: ReadonlyArray<readonly [string, string]>;
  readonly capArgs: JsonObject | undefined;
  readonly binDirs: readonly string[];
  readonly confDir: string;
  readonly cacheDir: string;
  readonly timeoutMs: number;
  /** gc only: attachments that stay; undefined = everything cached is stale (like cnitool). */
  readonly validAttachments: readonly Attachment[] | undefined;
  readonly verbose: boolean;
  /** The result or error document: YAML with -o yaml, else JSON as cnitool prints it. */
  readonly output: "json" | "yaml";
}

const OPTIONS = {
  "conf-dir": { type: "string" },
  "container-id": { type: "string" },
  ifname: { type: "string" },
  "cni-args": { type: "string" },
  "cap-args": { type: "string" },
  "bin-dir": { type: "string", multiple: true },
  "cache-dir": { type: "string" },
  timeout: { type: "string" },
  valid: { type: "string", multiple: true },
  verbose: { type: "boolean", short: "v" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** undefined when --help was asked for. */
export function parseCniOptions(argv: readonly string[], env: Env, cwd: string): CniInvocation | undefined {
  const { values: v, positionals } = parseLocalCommand(
    argv,
    OPTIONS,
    "cni",
    "it runs the plugins itself, without netattachd",
    true,
  );
  if (v.help === true) return undefined;
  const output = parseOutputFormat(v.output);
  const [opText, target, netnsArg, ...extra] = positionals;
  if (opText === undefined) throw new UsageError(`missing operation (one of ${CNI_OPS.join(", ")})`);
  const op = CNI_OPS.find((o) => o === opText);
  if (op === undefined) throw new UsageError(`unknown operation "${opText}" (one of ${CNI_OPS.join(", ")})`);
  if (target === undefined)
    throw new UsageError(op === "version" ? "missing plugin type" : "missing network name or configuration file");
  const takesNetns = op === "add" || op === "check" || op === "del";
  const unexpected = takesNetns ? extra : [netnsArg, ...extra].filter((a) => a !== undefined);
  if (unexpected.length > 0) throw new UsageError(`unexpected argument "${unexpected.join(" ")}"`);
  if ((op === "add" || op === "check") && netnsArg === undefined) throw new UsageError("missing netns path");
  const netns = netnsArg === undefined || netnsArg === "" ? "" : absolute(netnsArg, cwd);
  const containerId = v["container-id"] ?? (netns !== "" ? cnitoolContainerId(netns) : "");
  if (takesNetns && containerId === "") throw new UsageError("del without a netns path needs --container-id");
  if (v.valid !== undefined && op !== "gc") throw new UsageError("--valid is only for gc");

  return {
    op,
    target,
    netns,
    containerId,
    ifName: v.ifname ?? env.CNI_IFNAME ?? DEFAULTS.ifName,
    cniArgs: cniArgs(v["cni-args"] ?? env.CNI_ARGS),
    capArgs: capArgs(v["cap-args"] ?? env.CAP_ARGS),
    binDirs: binDirs(v["bin-dir"], env.CNI_PATH, cwd),
    confDir: absolute(v["conf-dir"] ?? env.NETCONFPATH ?? DEFAULTS.confDir, cwd),
    cacheDir: absolute(v["cache-dir"] ?? DEFAULTS.cacheDir, cwd),
    timeoutMs: timeout(v.timeout),
    validAttachments: v.valid?.map(attachment),
    verbose: v.verbose === true,
    output: isStructured(output) ? output : "json",
  };
}

/** Like Go's filepath.Abs (cnitool): absolute and cleaned, so the derived container id matches. */
function absolute(path: string, cwd: string): string {
  return resolve(cwd, path);
}

function cniArgs(text: string | undefined): Array<[string, string]> {
  if (text === undefined) return [];
  try {
    return parseCniArgs(text);
  } catch (err) {
    if (err instanceof CniError)
      throw new UsageError(`--cni-args: ${err.msg} (want KEY=VALUE;KEY=VALUE)`, { cause: err });
    throw err;
  }
}

function capArgs(text: string | undefined): JsonObject | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--cap-args is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError('--cap-args must be a JSON object such as {"portMappings":[...]}');
  }
  return value as JsonObject;
}

function binDirs(flags: readonly string[] | undefined, cniPath: string | undefined, cwd: string): string[] {
  const dirs =
    flags !== undefined ? flags.flatMap((f) => f.split(":")) : (cniPath?.split(":") ?? [...DEFAULTS.binDirs]);
  return dirs.filter((d) => d !== "").map((d) => absolute(d, cwd));
}

function timeout(text: string | undefined): number {
  if (text === undefined) return DEFAULTS.timeoutMs;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--timeout "${text}" is not a duration (e.g. 1500, 500ms, 30s, 2m)`);
  return ms;
}

function attachment(text: string): Attachment {
  const parsed = parseAttachment(text);
  if (parsed instanceof Error) throw new UsageError(`--valid: ${parsed.message}`);
  return parsed;
}

/**
 * cnitool's container id, so that `netattachctl cni` and cnitool agree on the same netns:
 * "cnitool-" + hex of the first 10 bytes of sha512(absolute netns path).
 */
export function cnitoolContainerId(absNetnsPath: string): string {
  return "cnitool-" + createHash("sha512").update(absNetnsPath).digest("hex").slice(0, 20);
}

/** "--valid CONTAINER_ID:IFNAME" for `cni gc`: an attachment that must survive. */
function parseAttachment(text: string): Attachment | Error {
  const colon = text.lastIndexOf(":");
  if (colon <= 0 || colon === text.length - 1)
    return new Error(`invalid attachment "${text}" (want CONTAINER_ID:IFNAME)`);
  return { containerId: text.slice(0, colon), ifName: text.slice(colon + 1) };
}
