import { describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { toResult100 } from "./result100.js";

describe("toResult100", () => {
  it("converts an older result and types it", () => {
    const r = toResult100({
      cniVersion: "0.4.0",
      interfaces: [{ name: "eth0", sandbox: "/ns" }],
      ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }],
    });
    expect(r.cniVersion).toBe("1.1.0");
    expect(r.ips).toEqual([{ address: "10.0.0.2/24", interface: 0 }]);
  });

  it("refuses a result whose shape breaks its types (e.g. read back from a tampered file): bad-output naming the field", () => {
    const bad = () => toResult100({ cniVersion: "1.0.0", ips: [{ address: "not-an-address" }] });
    expect(bad).toThrow(CniError);
    expect(bad).toThrow(
      expect.objectContaining({ kind: "bad-output", code: 6, msg: expect.stringContaining("ips[0].address") }),
    );
  });
});
