// The daemon's root pino logger: JSON lines, errors under `err` with their cause chain (stacks
// only for bugs: serialize-error.ts), each key once per line (a duplicate breaks log pipelines).
import { pino, type DestinationStream, type LogFn, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";
import { serializeError } from "./serialize-error.js";

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; main passes stdout. Tests pass an in-memory sink. */
  readonly destination: DestinationStream;
  readonly name?: string;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.name ?? "netattachd",
      level: opts.level,
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { logMethod: dropBoundFields },
    },
    opts.destination,
  );
}

/**
 * A line's own field that its logger binds already with the same value is left out: pino writes
 * the bindings and the line's fields side by side, and a line naming its container for callers
 * that bound none (release-delegates.ts, rollback.ts) would repeat the key where one did.
 */
function dropBoundFields(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const [first, ...rest] = args;
  if (typeof first === "object" && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const bound = this.bindings();
    const fields = Object.entries(first as Record<string, unknown>);
    const own = fields.filter(([k, v]) => !(k in bound && bound[k] === v));
    if (own.length < fields.length) return method.apply(this, [Object.fromEntries(own), ...rest] as Parameters<LogFn>);
  }
  method.apply(this, args);
}
