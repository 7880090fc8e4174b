// Flags every daemon command shares (--socket, -o, --timeout; cli.ts lets them stand before
// the command too) and a typed parseArgs wrapper that turns bad invocations into UsageError.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError, type CommandContext } from "../command.js";
import { parseDuration } from "../cni/parse-duration.js";
import { DEFAULT_SOCKET_PATH } from "../../../server/src/wire/index.js";
import { absoluteTarget, type ClientTls } from "../daemon-client.js";
import { parseOutputFormat, type OutputFormat } from "../output/output-format.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export const COMMON_OPTIONS = {
  socket: { type: "string" },
  output: { type: "string", short: "o" },
  timeout: { type: "string" },
  "certificate-authority": { type: "string" },
  "client-certificate": { type: "string" },
  "client-key": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

export const COMMON_USAGE = `Common flags:
  --socket PATH       daemon socket (relative: from the working directory) or host:port
                      [NETATTACH_SOCKET] (default ${DEFAULT_SOCKET_PATH})
  -o, --output FMT    text (default), wide, json or yaml
  --timeout DURATION  call deadline: 500ms, 30s, 2m (default 2m)
  --certificate-authority FILE, --client-certificate FILE, --client-key FILE
                      mutual TLS for a host:port target (the daemon's TCP listener; see docs/tls.md)
  -h, --help          this text
`;

export interface CommonFlags {
  readonly socket: string;
  readonly output: OutputFormat;
  readonly timeoutMs: number;
  /** Set when the three TLS flags were given (TCP targets). */
  readonly tls?: ClientTls;
}

const TLS_FLAGS = ["certificate-authority", "client-certificate", "client-key"] as const;

/**
 * For a command that calls no daemon (cni, install): parses with the common flags known too, so
 * that one of them (it may stand before the command name) is refused with `why`, not as an
 * unknown option. The command's own options win over a common one of the same name.
 */
export function parseLocalCommand<O extends Options>(
  argv: readonly string[],
  options: O,
  command: string,
  why: string,
  allowPositionals = false,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const values = parsed.values as Record<string, unknown>;
  const daemonOnly = Object.keys(COMMON_OPTIONS).find((f) => !Object.hasOwn(options, f) && values[f] !== undefined);
  if (daemonOnly !== undefined) throw new UsageError(`--${daemonOnly} does not apply to ${command}: ${why}`);
  return parsed;
}

export function parseCommand<O extends Options>(argv: readonly string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals: positionals > 0,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  if (parsed.positionals.length > positionals)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

export function commonFlags(
  values: { socket?: unknown; output?: unknown; timeout?: unknown } & Partial<
    Record<(typeof TLS_FLAGS)[number], unknown>
  >,
  ctx: Pick<CommandContext, "env" | "cwd">,
): CommonFlags {
  const output = parseOutputFormat(typeof values.output === "string" ? values.output : undefined);
  let timeoutMs = 120_000;
  if (typeof values.timeout === "string") {
    const parsed = parseDuration(values.timeout);
    if (parsed === undefined) throw new UsageError(`--timeout: "${values.timeout}" is not a duration`);
    timeoutMs = parsed;
  }
  const given = typeof values.socket === "string" ? values.socket : (ctx.env.NETATTACH_SOCKET ?? DEFAULT_SOCKET_PATH);
  if (given === "") throw new UsageError("--socket must not be empty");
  const socket = absoluteTarget(given, ctx.cwd);
  const tls = tlsFlags(values);
  return { socket, output, timeoutMs, ...(tls !== undefined ? { tls } : {}) };
}

/** All three TLS files or none; each read now, so a wrong path is a usage error naming the flag. */
function tlsFlags(values: Partial<Record<(typeof TLS_FLAGS)[number], unknown>>): ClientTls | undefined {
  const given = TLS_FLAGS.filter((f) => typeof values[f] === "string");
  if (given.length === 0) return undefined;
  if (given.length !== TLS_FLAGS.length)
    throw new UsageError(`mutual TLS needs all of --${TLS_FLAGS.join(", --")} (got --${given.join(", --")})`);
  const read = (flag: (typeof TLS_FLAGS)[number]): Buffer => {
    try {
      return readFileSync(values[flag] as string);
    } catch (err) {
      throw new UsageError(
        `--${flag}: cannot read ${String(values[flag])} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
  };
  return { ca: read("certificate-authority"), cert: read("client-certificate"), key: read("client-key") };
}

/** "ns/name" or "ns/name/uid". */
export function parsePodFlag(text: string): { namespace: string; name: string; uid: string } {
  const [namespace, name, uid, extra] = text.split("/");
  if (!namespace || !name || extra !== undefined)
    throw new UsageError(`--pod must be NAMESPACE/NAME or NAMESPACE/NAME/UID, got "${text}"`);
  return { namespace, name, uid: uid ?? "" };
}
