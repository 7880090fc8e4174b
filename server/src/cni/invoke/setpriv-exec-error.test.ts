import { describe, expect, it } from "vitest";
import { setprivExecError } from "./setpriv-exec-error.js";

describe("setprivExecError", () => {
  it.each([
    [126, "setpriv: failed to execute /opt/cni/bin/bridge: Text file busy\n", "ETXTBSY"],
    [127, "setpriv: failed to execute /opt/cni/bin/bridge: No such file or directory\n", "ENOENT"],
    [126, "setpriv: failed to execute /opt/cni/bin/bridge: Permission denied\n", "EACCES"],
    [126, "setpriv: failed to execute /opt/cni/bin/bridge: Something new\n", "EEXEC"],
  ])("exit %i with %j is the exec error %s", (code, stderr, errno) => {
    expect(setprivExecError(code, 0, stderr)).toMatchObject({ code: errno, message: stderr.trim() });
  });

  it("leaves a plugin's own failures alone: other exit codes, output on stdout, or stderr not from setpriv", () => {
    expect(setprivExecError(1, 0, "setpriv: failed to execute /x: Permission denied")).toBeUndefined();
    expect(setprivExecError(126, 12, "setpriv: failed to execute /x: Permission denied")).toBeUndefined();
    expect(setprivExecError(126, 0, "plugin: permission denied")).toBeUndefined();
    expect(setprivExecError(0, 0, "")).toBeUndefined();
  });
});
