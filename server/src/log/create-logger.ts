// The daemon's root pino logger: JSON lines, errors under `err` with their cause chain.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";

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
      serializers: { err: pino.stdSerializers.errWithCause },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
