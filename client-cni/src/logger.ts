// A minimal JSON-lines logger: the shim runs once per pod operation and must start fast,
// so no logging library is loaded. Lines go to a sink (a file or stderr, never stdout).
import type { LogLevel } from "./shim-conf.js";

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function createLogger(
  sink: (line: string) => void,
  level: LogLevel,
  now: () => number,
  base: LogFields = {},
): Logger {
  const write = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < RANK[level]) return;
    try {
      sink(
        `${JSON.stringify({ time: new Date(now()).toISOString(), level: lvl, name: "netattach-cni", msg, ...base, ...fields })}\n`,
      );
    } catch {
      // A broken log destination must never fail the CNI operation.
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(sink, level, now, { ...base, ...fields }),
  };
}
