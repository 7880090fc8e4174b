// Where the shim's log lines go: the conf's logFile, or stderr (the runtime's own log) without
// one. A logFile that cannot be written (its directory missing, a read-only file system, a
// directory at the path) is said once on stderr, with the path and errno, and the lines go to
// stderr from then on: lost lines would hide exactly the failures a log file is set up to show.
// A FIFO nobody reads is one such file (opened non-blocking: ENXIO), and so is a symlink (never
// followed: ELOOP, said as such). The CNI result and exit code never depend on the log.
import { createLogger } from "./logger.js";

/** What an errno means for a logFile, where its own text says it poorly. */
const REASONS: Readonly<Record<string, string>> = {
  ELOOP: "the logFile is a symbolic link, which the shim does not follow",
};

export interface LogSinkIo {
  appendFile(path: string, line: string): void;
  stderr(line: string): void;
  now(): number;
}

export function createLogSink(logFile: string | undefined, io: LogSinkIo): (line: string) => void {
  if (logFile === undefined) return (line) => io.stderr(line);
  let toStderr = false;
  return (line) => {
    if (!toStderr) {
      try {
        io.appendFile(logFile, line);
        return;
      } catch (err) {
        toStderr = true;
        const e = err as NodeJS.ErrnoException;
        createLogger(io.stderr, "warn", io.now).warn("cannot write the logFile, logging to stderr instead", {
          logFile,
          errno: e.code,
          reason: e.code === undefined ? undefined : REASONS[e.code],
          error: e.message,
        });
      }
    }
    io.stderr(line);
  };
}
