import { describe, expect, it } from "vitest";
import { CniError, PLUGIN_RUN_ENV, SHIM_AS_DELEGATE_CODE, type CniFailureKind } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { cniCodeOf } from "../errors/error-codes.js";
import { toDaemonError } from "./cni-error.js";
import { withDeadline } from "./call-deadline.js";

const where = { network: "default/mv", ifName: "net1", phase: "add", source: "/nads/mv.yaml" };

describe("CNI errors to the catalog", () => {
  // The message cites the code the caller gets: the plugin's own (42) only for PLUGIN_FAILED.
  const ran = (code: number) =>
    `network "default/mv" (net1): plugin "macvlan" failed on ADD with CNI code ${code}: it broke; more`;
  const refused = (code: number) =>
    `network "default/mv" (net1): ADD refused before running plugin "macvlan" (CNI code ${code}): it broke; more`;
  it.each<[CniFailureKind, string, string]>([
    ["plugin-failed", "PLUGIN_FAILED", ran(42)],
    ["exec", "PLUGIN_FAILED", ran(42)],
    ["plugin-not-found", "PLUGIN_NOT_FOUND", refused(7)],
    ["plugin-type-invalid", "INVALID_NETWORK_CONFIG", refused(7)],
    ["timeout", "PLUGIN_TIMEOUT", ran(11)],
    ["bad-output", "PLUGIN_BAD_OUTPUT", ran(6)],
    ["invalid-config", "INVALID_NETWORK_CONFIG", refused(7)],
    ["invalid-args", "INVALID_REQUEST", refused(4)],
    ["incompatible-version", "INCOMPATIBLE_CNI_VERSION", refused(1)],
    ["cache", "STATE_IO", ran(5)],
  ])(
    "maps %s to %s with network, plugin, phase, source, the plugin's code, stderr and cause; a refusal before exec says so",
    (kind, reason, message) => {
      const cause = new CniError({
        kind,
        code: 42,
        msg: "it broke",
        details: "more",
        plugin: "macvlan",
        command: "ADD",
        stderr: "err text",
      });
      const err = toDaemonError(cause, where);
      expect(err.code).toBe(reason);
      expect(err.context).toEqual({
        network: "default/mv",
        ifName: "net1",
        phase: "add",
        source: "/nads/mv.yaml",
        plugin: "macvlan",
        cniCode: 42,
        stderr: "err text",
      });
      expect(err.message).toBe(message);
      expect(err.cause).toBe(cause);
    },
  );

  it("the shim refusing to run as a delegate (a copy under another name): INVALID_NETWORK_CONFIG naming network and plugin", () => {
    const cause = new CniError({
      kind: "plugin-failed",
      code: SHIM_AS_DELEGATE_CODE,
      msg: "netattach-cni (/opt/cni/bin/vendor-net) was run by netattachd as a delegate plugin for ADD",
      details: `${PLUGIN_RUN_ENV}=5f0e7c1a is set: a network's chain names netattach's own shim under another name`,
      plugin: "vendor-net",
      command: "ADD",
    });
    const err = toDaemonError(cause, where);
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.context).toEqual({ network: "default/mv", source: "/nads/mv.yaml", phase: "add", plugin: "vendor-net" });
    expect(err.message).toContain(
      'network "default/mv" (/nads/mv.yaml): plugin "vendor-net" is, or runs, a copy of netattach-cni under another name, netattach\'s own CNI shim: netattachd would call itself',
    );
    expect(err.message).toContain(
      "(the shim said: netattach-cni (/opt/cni/bin/vendor-net) was run by netattachd as a delegate plugin for ADD)",
    );
    expect(err.cause).toBe(cause);
  });

  it("another plugin failing with the shim's code, without its mark: the plugin's own failure, as any other", () => {
    const cause = new CniError({
      kind: "plugin-failed",
      code: SHIM_AS_DELEGATE_CODE,
      msg: "vendor quota exceeded",
      details: "try again later",
      plugin: "vendor-net",
      command: "ADD",
    });
    const err = toDaemonError(cause, where);
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.message).toBe(
      'network "default/mv" (net1): plugin "vendor-net" failed on ADD with CNI code 173: vendor quota exceeded; try again later',
    );
  });

  it("a plugin killed for flooding stdout: PLUGIN_BAD_OUTPUT, and the message cites the code the shim prints (6)", () => {
    const flood = new CniError({
      kind: "bad-output",
      code: 6,
      msg: 'plugin "macvlan" ADD wrote more than 4194304 bytes to stdout and was killed',
      plugin: "macvlan",
      command: "ADD",
    });
    const err = toDaemonError(flood, where);
    expect(err.code).toBe("PLUGIN_BAD_OUTPUT");
    expect(err.message).toBe(
      'network "default/mv" (net1): plugin "macvlan" failed on ADD with CNI code 6: plugin "macvlan" ADD wrote more than 4194304 bytes to stdout and was killed',
    );
    expect(cniCodeOf(err.code, err.context.cniCode)).toBe(6);
  });

  it("tells the caller going away from the call deadline", () => {
    const aborted = new CniError({ kind: "aborted", code: 11, msg: "killed" });
    const cancelled = new AbortController();
    cancelled.abort(new Error("client gone"));
    expect(toDaemonError(aborted, where, cancelled.signal).code).toBe("CANCELLED");
    const timedOut = new AbortController();
    timedOut.abort(new DOMException("deadline", "TimeoutError"));
    expect(toDaemonError(aborted, where, timedOut.signal).code).toBe("PLUGIN_TIMEOUT");
  });

  it("a caller's deadline (a plain abort at the instant its signal carries) is a timeout, in code and message", () => {
    const atDeadline = new AbortController();
    const signal = withDeadline(atDeadline.signal, 0); // long passed when it fires
    atDeadline.abort();
    const aborted = new CniError({ kind: "aborted", code: 11, msg: "killed", plugin: "macvlan", command: "ADD" });
    const plugin = toDaemonError(aborted, where, signal);
    expect(plugin.code).toBe("PLUGIN_TIMEOUT");
    expect(plugin.message).toBe('network "default/mv" (net1): plugin "macvlan" failed on ADD with CNI code 11: killed');
    const other = toDaemonError(new Error("netlink gone"), where, signal);
    expect(other.code).toBe("PLUGIN_TIMEOUT");
    expect(other.message).toMatch(/^network "default\/mv" \(net1\): add interrupted: /);
  });

  it("passes DaemonErrors through and wraps anything else as INTERNAL with its cause", () => {
    const mine = new DaemonError("STATE_IO", "disk");
    expect(toDaemonError(mine, where)).toBe(mine);
    const odd = new Error("odd");
    const wrapped = toDaemonError(odd, where);
    expect(wrapped.code).toBe("INTERNAL");
    expect(wrapped.cause).toBe(odd);
    expect(wrapped.context.network).toBe("default/mv");
  });
});
