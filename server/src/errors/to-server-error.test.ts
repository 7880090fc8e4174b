import { ServerError, Status } from "nice-grpc-common";
import { ErrorInfo, RichServerError } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import { CniError, type CniFailureKind } from "../cni/index.js";
import { DaemonError } from "./daemon-error.js";
import { ERROR_CODES, type ErrorCode } from "./error-codes.js";
import { INTERNAL_MESSAGE, toServerError } from "./to-server-error.js";
import { codeFromCniKind } from "./code-from-cni-kind.js";

function infoOf(err: unknown): ErrorInfo {
  expect(err).toBeInstanceOf(RichServerError);
  const extra = (err as RichServerError).extra;
  expect(extra).toHaveLength(1);
  const info = extra[0] as ErrorInfo;
  expect(info.$type).toBe(ErrorInfo.$type);
  return info;
}

describe("toServerError", () => {
  it.each(Object.keys(ERROR_CODES).filter((c) => c !== "PLUGIN_FAILED") as ErrorCode[])(
    "DaemonError %s → catalog status, reason and CNI code",
    (code) => {
      const { error, reason, expected } = toServerError(new DaemonError(code, `boom ${code}`));
      expect(reason).toBe(code);
      expect(expected).toBe(true);
      expect(Status[error.code]).toBe(ERROR_CODES[code].status);
      expect(error.details).toBe(`boom ${code}`);
      const info = infoOf(error);
      expect(info.reason).toBe(code);
      expect(info.domain).toBe("netattach.dev");
      expect(info.metadata.cniCode).toBe(String(ERROR_CODES[code].cniCode));
    },
  );

  it("PLUGIN_FAILED takes its status and cniCode from the plugin's code, context in metadata", () => {
    const err = new DaemonError("PLUGIN_FAILED", "macvlan failed", {
      network: "default/macvlan-conf",
      plugin: "macvlan",
      phase: "add",
      source: "/etc/net.d/m.conf",
      ifName: "net1",
      cniCode: 3,
    });
    const { error } = toServerError(err);
    expect(error.code).toBe(Status.NOT_FOUND);
    expect(infoOf(error).metadata).toEqual({
      cniCode: "3",
      network: "default/macvlan-conf",
      plugin: "macvlan",
      phase: "add",
      source: "/etc/net.d/m.conf",
      ifName: "net1",
    });
  });

  it("fills missing context from a CniError in the cause chain; the DaemonError's own context wins", () => {
    const cni = new CniError({
      kind: "plugin-failed",
      code: 117,
      msg: "no",
      details: "detail text",
      plugin: "ptp",
      network: "ptp-conf",
      command: "ADD",
      stderr: "oops",
    });
    const wrapped = new Error("middle", { cause: cni });
    const err = new DaemonError(
      "PLUGIN_FAILED",
      "delegate failed",
      { network: "default/ptp-conf", ifName: "data0" },
      { cause: wrapped },
    );
    const { error } = toServerError(err);
    expect(error.code).toBe(Status.UNKNOWN);
    expect(infoOf(error).metadata).toEqual({
      cniCode: "117",
      network: "default/ptp-conf",
      plugin: "ptp",
      phase: "add",
      ifName: "data0",
      stderr: "oops",
      details: "detail text",
    });
  });

  it("PLUGIN_FAILED without any code falls back to 999 → UNKNOWN (a plugin's failure is never our INTERNAL)", () => {
    const { error } = toServerError(new DaemonError("PLUGIN_FAILED", "x"));
    expect(error.code).toBe(Status.UNKNOWN);
    expect(infoOf(error).metadata.cniCode).toBe("999");
  });

  it("an unwrapped CniError maps by kind; plugin-failed keeps the plugin code", () => {
    const err = new CniError({
      kind: "plugin-failed",
      code: 7,
      msg: "bad conf",
      plugin: "bridge",
      network: "cbr",
      command: "ADD",
    });
    const { error, reason } = toServerError(err);
    expect(reason).toBe("PLUGIN_FAILED");
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.details).toBe(err.message);
    expect(infoOf(error).metadata).toMatchObject({ cniCode: "7", plugin: "bridge", network: "cbr", phase: "add" });
  });

  it("a timed-out CniError is PLUGIN_TIMEOUT with the catalog CNI code", () => {
    const { error, reason } = toServerError(
      new CniError({ kind: "timeout", code: 11, msg: "killed", plugin: "sleep" }),
    );
    expect(reason).toBe("PLUGIN_TIMEOUT");
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(infoOf(error).metadata.cniCode).toBe("11");
  });

  it.each<[CniFailureKind, ErrorCode]>([
    ["plugin-failed", "PLUGIN_FAILED"],
    ["exec", "PLUGIN_FAILED"],
    ["plugin-not-found", "PLUGIN_NOT_FOUND"],
    ["plugin-type-invalid", "INVALID_NETWORK_CONFIG"],
    ["invalid-config", "INVALID_NETWORK_CONFIG"],
    ["timeout", "PLUGIN_TIMEOUT"],
    ["aborted", "CANCELLED"],
    ["bad-output", "PLUGIN_BAD_OUTPUT"],
    ["invalid-args", "INVALID_REQUEST"],
    ["incompatible-version", "INCOMPATIBLE_CNI_VERSION"],
    ["cache", "STATE_IO"],
  ])("CniError kind %s → %s", (kind, code) => {
    expect(codeFromCniKind(kind)).toBe(code);
  });

  it("AbortError → CANCELLED", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    const { error, reason } = toServerError(abort);
    expect(reason).toBe("CANCELLED");
    expect(error.code).toBe(Status.CANCELLED);
  });

  it("unknown errors → INTERNAL with a generic message that leaks nothing", () => {
    const { error, reason, expected } = toServerError(new TypeError("secret path /root/x is undefined"));
    expect(expected).toBe(false);
    expect(reason).toBe("INTERNAL");
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.details).toBe(INTERNAL_MESSAGE);
    expect(infoOf(error).metadata).toEqual({ cniCode: "999" });
    expect(toServerError("a string").error.details).toBe(INTERNAL_MESSAGE);
  });

  it("a ServerError passes through unchanged", () => {
    const original = new ServerError(Status.PERMISSION_DENIED, "no");
    expect(toServerError(original).error).toBe(original);
  });

  it("bounds the message and every metadata value, so the trailers stay far below 8 KiB", () => {
    const huge = "€".repeat(70_000);
    const err = new DaemonError("INVALID_ANNOTATION", huge, {
      network: huge,
      source: huge,
      plugin: huge,
      phase: huge,
      ifName: huge,
      stderr: huge,
    });
    const { error } = toServerError(err);
    expect(Buffer.byteLength(error.details)).toBeLessThanOrEqual(1024);
    const meta = infoOf(error).metadata;
    for (const key of ["network", "source", "plugin", "phase", "ifName"])
      expect(Buffer.byteLength(meta[key]!), key).toBeLessThanOrEqual(256);
    expect(Buffer.byteLength(meta.stderr!)).toBeLessThanOrEqual(1024);
    const wire =
      ErrorInfo.encode(infoOf(error)).finish().length * (4 / 3) + Buffer.byteLength(encodeURIComponent(error.details));
    expect(wire).toBeLessThan(8 * 1024);
  });
});
