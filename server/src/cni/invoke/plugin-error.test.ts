import { describe, expect, it } from "vitest";
import { pluginError } from "./plugin-error.js";

const base = { pluginType: "bridge", command: "ADD", exitCode: 1, signal: null } as const;

describe("pluginError", () => {
  it("takes code, msg and details from the spec error JSON on stdout and keeps stderr", () => {
    const err = pluginError({
      ...base,
      stdout: Buffer.from('{"cniVersion":"1.0.0","code":7,"msg":"bad config","details":"no bridge"}'),
      stderr: "log line\n",
    });
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 7,
      msg: "bad config",
      details: "no bridge",
      plugin: "bridge",
      command: "ADD",
      stderr: "log line\n",
    });
    expect(err.message).toBe('plugin "bridge" ADD: bad config; no bridge (CNI code 7)');
  });

  it("passes a plugin's own 100+ code through", () => {
    expect(pluginError({ ...base, stdout: Buffer.from('{"code":142,"msg":"mine"}'), stderr: "" })).toMatchObject({
      code: 142,
      msg: "mine",
    });
  });

  it("uses stderr when stdout is empty", () => {
    const err = pluginError({ ...base, stdout: Buffer.alloc(0), stderr: "panic: boom\n" });
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 999,
      msg: 'netplugin failed: "panic: boom"',
      stderr: "panic: boom\n",
    });
  });

  it("says how the plugin ended when there is no output at all", () => {
    expect(
      pluginError({ ...base, exitCode: null, signal: "SIGSEGV", stdout: Buffer.alloc(0), stderr: "" }).msg,
    ).toContain("killed by signal SIGSEGV");
  });

  it.each(["not json", "[1,2]", '{"foo":1}'])("reports unparseable stdout %j as bad-output", (stdout) => {
    const err = pluginError({ ...base, stdout: Buffer.from(stdout), stderr: "" });
    expect(err).toMatchObject({ kind: "bad-output", code: 6 });
    expect(err.details).toContain(JSON.stringify(stdout));
  });

  it.each([
    ["1e30", "1e30"],
    ["18446744073709551616", "18446744073709551616"],
    ["4294967296", "4294967296"],
    ["-1", "-1"],
    ["2.5", "2.5"],
    ['"7"', '"7"'],
  ])("reports code %s, which a Go runtime cannot decode as a uint, as 999 keeping it in details", (code, said) => {
    const err = pluginError({
      ...base,
      stdout: Buffer.from(`{"code":${code},"msg":"boom","details":"why"}`),
      stderr: "",
    });
    expect(err).toMatchObject({
      kind: "plugin-failed",
      code: 999,
      msg: "boom",
      details: `the plugin's code ${said} is not a usable CNI error code (an integer 1..4294967295); why`,
    });
  });

  it("passes the largest uint32 code through", () => {
    expect(pluginError({ ...base, stdout: Buffer.from('{"code":4294967295,"msg":"m"}'), stderr: "" }).code).toBe(
      4294967295,
    );
  });

  it("maps a missing or zero code to 999", () => {
    expect(pluginError({ ...base, stdout: Buffer.from('{"code":0,"msg":"huh"}'), stderr: "" })).toMatchObject({
      kind: "plugin-failed",
      code: 999,
      msg: "huh",
    });
  });
});
