import { describe, expect, it } from "vitest";
import { CniError } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { serializeError } from "./serialize-error.js";

describe("serializeError", () => {
  it("logs an expected failure (DaemonError caused by a plugin's CniError) without any stack", () => {
    const plugin = new CniError({
      kind: "plugin-failed",
      code: 999,
      msg: "failed to create ipvlan: operation not supported",
      plugin: "ipvlan",
      network: "ipvlan-conf",
    });
    const err = new DaemonError(
      "PLUGIN_FAILED",
      'network "default/ipvlan-conf" (net1): plugin "ipvlan" failed',
      { network: "default/ipvlan-conf", plugin: "ipvlan", cniCode: 999 },
      { cause: plugin },
    );
    const out = serializeError(err);
    expect(JSON.stringify(out)).not.toContain("stack");
    expect(out).toMatchObject({
      type: "DaemonError",
      reason: "PLUGIN_FAILED",
      network: "default/ipvlan-conf",
      plugin: "ipvlan",
      message: 'network "default/ipvlan-conf" (net1): plugin "ipvlan" failed',
      cause: { type: "CniError", code: 999 },
    });
  });

  it("keeps the stack of a bug, and of a DaemonError INTERNAL", () => {
    expect(serializeError(new TypeError("x is undefined"))).toMatchObject({
      type: "TypeError",
      stack: expect.stringContaining("TypeError: x is undefined"),
    });
    expect(serializeError(new DaemonError("INTERNAL", "broken invariant"))).toHaveProperty("stack");
  });

  it("keeps the stack of a bug found in the cause chain of an expected error", () => {
    const out = serializeError(
      new DaemonError("STATE_IO", "cannot save", {}, { cause: new RangeError("bad offset") }),
    ) as { stack?: unknown; cause: { stack?: string } };
    expect(out.stack).toBeUndefined();
    expect(out.cause.stack).toContain("RangeError: bad offset");
  });
});
