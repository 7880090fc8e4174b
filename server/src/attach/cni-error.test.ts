import { describe, expect, it } from "vitest";
import { CniError, type CniFailureKind } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { toDaemonError } from "./cni-error.js";

const where = { network: "default/mv", ifName: "net1", phase: "add", source: "/nads/mv.yaml" };

describe("CNI errors to the catalog", () => {
  it.each<[CniFailureKind, string]>([
    ["plugin-failed", "PLUGIN_FAILED"],
    ["exec", "PLUGIN_FAILED"],
    ["plugin-not-found", "PLUGIN_NOT_FOUND"],
    ["plugin-type-invalid", "PLUGIN_NOT_FOUND"],
    ["timeout", "PLUGIN_TIMEOUT"],
    ["bad-output", "PLUGIN_BAD_OUTPUT"],
    ["invalid-config", "INVALID_NETWORK_CONFIG"],
    ["invalid-args", "INVALID_REQUEST"],
    ["incompatible-version", "INCOMPATIBLE_CNI_VERSION"],
    ["cache", "STATE_IO"],
  ])("maps %s to %s with network, plugin, phase, source, the plugin's code, stderr and cause", (kind, reason) => {
    const cause = new CniError({ kind, code: 42, msg: "it broke", details: "more", plugin: "macvlan", command: "ADD", stderr: "err text" });
    const err = toDaemonError(cause, where);
    expect(err.code).toBe(reason);
    expect(err.context).toEqual({ network: "default/mv", ifName: "net1", phase: "add", source: "/nads/mv.yaml", plugin: "macvlan", cniCode: 42, stderr: "err text" });
    expect(err.message).toBe('network "default/mv" (net1): plugin "macvlan" failed on ADD with CNI code 42: it broke; more');
    expect(err.cause).toBe(cause);
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
