// CNI error codes (SPEC.md §5 + libcni extras) and the one error type the runtime throws.

export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;
export type CniErrorCode = (typeof CniErrorCode)[keyof typeof CniErrorCode];

/** Largest code a CNI caller can decode: Go runtimes read types.Error.Code as a uint (uint32 on 32-bit). */
export const MAX_CNI_ERROR_CODE = 0xffff_ffff;

/** A code callers can act on: an integer 1..MAX_CNI_ERROR_CODE (0 is the spec's "unknown"). */
export function isCniErrorCode(code: unknown): code is number {
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code <= MAX_CNI_ERROR_CODE;
}

/**
 * Why the runtime failed, independent of the CNI code. Callers branch on this,
 * never on message text.
 */
export type CniFailureKind =
  | "plugin-failed" // plugin exited non-zero (its own code is in `code`)
  | "plugin-not-found" // binary missing in every bin dir
  | "plugin-type-invalid" // type contains '/', '\\' or '..'
  | "timeout" // per-invocation deadline hit, plugin killed
  | "aborted" // caller's AbortSignal fired, plugin killed
  | "bad-output" // stdout not a valid result / error JSON
  | "invalid-config" // configuration rejected before anything ran
  | "invalid-args" // container id / ifname / env rejected before anything ran
  | "incompatible-version" // version cannot be satisfied / converted
  | "cache" // result cache unreadable or unwritable
  | "exec"; // spawn failed for another OS reason (EACCES, ...)

export interface CniErrorOptions {
  kind: CniFailureKind;
  code: number;
  msg: string;
  details?: string;
  /** Plugin type (binary name) that failed, when one did. */
  plugin?: string;
  /** Network (conflist `name`) being operated on. */
  network?: string;
  /** CNI command: ADD, DEL, CHECK, GC, STATUS, VERSION. */
  command?: string;
  /** Plugin stderr, bounded. */
  stderr?: string;
  /** Configuration file the network came from, when known. */
  source?: string;
  cause?: unknown;
}

/** The spec's error object plus where it happened. `toJSON` yields the wire shape. */
export class CniError extends Error {
  readonly kind: CniFailureKind;
  readonly code: number;
  readonly msg: string;
  readonly details: string;
  readonly plugin: string | undefined;
  readonly network: string | undefined;
  readonly command: string | undefined;
  readonly stderr: string | undefined;
  readonly source: string | undefined;

  constructor(opts: CniErrorOptions) {
    super(describe(opts), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "CniError";
    this.kind = opts.kind;
    this.code = opts.code;
    this.msg = opts.msg;
    this.details = opts.details ?? "";
    this.plugin = opts.plugin;
    this.network = opts.network;
    this.command = opts.command;
    this.stderr = opts.stderr;
    this.source = opts.source;
  }

  /** Copy with more context (network, source...) filled in by an outer layer. */
  withContext(extra: Partial<Pick<CniErrorOptions, "plugin" | "network" | "command" | "source">>): CniError {
    return new CniError({
      kind: this.kind,
      code: this.code,
      msg: this.msg,
      details: this.details,
      plugin: this.plugin ?? extra.plugin,
      network: this.network ?? extra.network,
      command: this.command ?? extra.command,
      stderr: this.stderr,
      source: this.source ?? extra.source,
      cause: this.cause,
    });
  }

  /** The spec error object `{cniVersion, code, msg, details}`. */
  toSpecJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    return this.details
      ? { cniVersion, code: this.code, msg: this.msg, details: this.details }
      : { cniVersion, code: this.code, msg: this.msg };
  }
}

function describe(o: CniErrorOptions): string {
  const where = [
    o.network !== undefined ? `network "${o.network}"` : undefined,
    o.plugin !== undefined ? `plugin "${o.plugin}"` : undefined,
    o.command !== undefined ? o.command : undefined,
  ].filter(Boolean);
  const prefix = where.length > 0 ? `${where.join(" ")}: ` : "";
  const details = o.details ? `; ${o.details}` : "";
  return `${prefix}${o.msg}${details} (CNI code ${o.code})`;
}

export function isCniError(err: unknown): err is CniError {
  return err instanceof CniError;
}
