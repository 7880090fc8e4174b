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
 * A line's own field whose key its logger binds already is left out when the value is the same,
 * and renamed `<key>_line` when it differs: pino writes the bindings and the line's fields side
 * by side, and a key twice in one JSON object breaks log pipelines. Renamed rather than dropped,
 * as both values say something (a release line naming the container it releases, under a logger
 * bound to another call's).
 */
function dropBoundFields(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const [first, ...rest] = args;
  if (typeof first === "object" && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const bound = this.bindings();
    const fields = first as Record<string, unknown>;
    if (Object.keys(fields).some((k) => k in bound)) {
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) {
        if (!(k in bound)) own[k] = v;
        else if (bound[k] !== v) own[freeKey(`${k}_line`, bound, fields)] = v;
      }
      return method.apply(this, [own, ...rest] as Parameters<LogFn>);
    }
  }
  method.apply(this, args);
}

/** `key`, or `key` with more `_line` until neither the bindings nor the line has it. */
function freeKey(key: string, bound: Record<string, unknown>, fields: Record<string, unknown>): string {
  return key in bound || key in fields ? freeKey(`${key}_line`, bound, fields) : key;
}
