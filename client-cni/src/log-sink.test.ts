import { describe, expect, it } from "vitest";
import { createLogSink, type LogSinkIo } from "./log-sink.js";

function io(fail?: NodeJS.ErrnoException) {
  const file: string[] = [];
  const stderr: string[] = [];
  const sink: LogSinkIo = {
    appendFile: (path, line) => {
      if (fail) throw fail;
      file.push(`${path}: ${line}`);
    },
    stderr: (line) => stderr.push(line),
    now: () => Date.UTC(2026, 0, 1),
  };
  return { file, stderr, sink };
}

describe("the shim's log sink", () => {
  it("writes to the logFile, nothing to stderr", () => {
    const t = io();
    const write = createLogSink("/var/log/shim.log", t.sink);
    write("a\n");
    write("b\n");
    expect(t.file).toEqual(["/var/log/shim.log: a\n", "/var/log/shim.log: b\n"]);
    expect(t.stderr).toEqual([]);
  });

  it("without a logFile writes to stderr", () => {
    const t = io();
    createLogSink(undefined, t.sink)("a\n");
    expect(t.stderr).toEqual(["a\n"]);
  });

  it("an unwritable logFile is said once on stderr with its path and errno, and every line goes to stderr", () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/ro/shim.log'"), { code: "EACCES" });
    const t = io(err);
    const write = createLogSink("/ro/shim.log", t.sink);
    write("a\n");
    write("b\n");
    expect(t.file).toEqual([]);
    expect(t.stderr).toHaveLength(3);
    expect(JSON.parse(t.stderr[0]!)).toEqual({
      time: "2026-01-01T00:00:00.000Z",
      level: "warn",
      name: "netattach-cni",
      msg: "cannot write the logFile, logging to stderr instead",
      logFile: "/ro/shim.log",
      errno: "EACCES",
      error: "EACCES: permission denied, open '/ro/shim.log'",
    });
    expect(t.stderr.slice(1)).toEqual(["a\n", "b\n"]);
  });

  it("a logFile that is a symlink (ELOOP: never followed) is said as such", () => {
    const err = Object.assign(new Error("ELOOP: too many symbolic links encountered, open '/tmp/shim.log'"), {
      code: "ELOOP",
    });
    const t = io(err);
    createLogSink("/tmp/shim.log", t.sink)("a\n");
    expect(JSON.parse(t.stderr[0]!)).toMatchObject({
      logFile: "/tmp/shim.log",
      errno: "ELOOP",
      reason: "the logFile is a symbolic link, which the shim does not follow",
    });
    expect(t.stderr.slice(1)).toEqual(["a\n"]);
  });
});
