// The daemon's root pino logger: JSON lines, errors under `err` with their cause chain (stacks
// only for bugs: serialize-error.ts).
import { pino, type DestinationStream, type Logger } from "pino";
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
    },
    opts.destination,
  );
}
