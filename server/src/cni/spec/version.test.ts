import { describe, expect, it } from "vitest";
import { CniError } from "./errors.js";
import {
  ALL_VERSIONS,
  CURRENT_VERSION,
  compareVersions,
  isKnownVersion,
  negotiatePluginVersion,
  selectConfigVersion,
  sendsPrevResultOnDel,
  supportsChaining,
  supportsCheck,
  supportsGcAndStatus,
} from "./version.js";

function caught(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error("expected a CniError");
}

describe("constants", () => {
  it("lists every spec version in order and the current one last", () => {
    expect(ALL_VERSIONS).toEqual(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
    expect(CURRENT_VERSION).toBe("1.1.0");
    const sorted = [...ALL_VERSIONS].sort(compareVersions);
    expect(sorted).toEqual(ALL_VERSIONS);
  });
});

describe("compareVersions", () => {
  it.each([
    ["0.3.1", "0.3.0", 1],
    ["0.4.0", "1.0.0", -1],
    ["1.1.0", "1.1.0", 0],
    ["0.10.0", "0.9.0", 1], // numeric, not lexical
    ["2.0.0", "1.99.99", 1],
  ])("%s vs %s → %i", (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
  });

  it.each(["", "1.0", "v1.0.0", "1.0.0-rc1", "01.0.0", "x"])("rejects %j with code 7", (bad) => {
    const err = caught(() => compareVersions(bad, "1.0.0"));
    expect(err.kind).toBe("invalid-config");
    expect(err.code).toBe(7);
    expect(err.message).toContain(`"${bad}"`);
  });
});

describe("feature gates", () => {
  const table: Array<[string, boolean, boolean, boolean, boolean]> = [
    // version, chaining, check, prevResult on DEL, gc/status
    ["0.1.0", false, false, false, false],
    ["0.2.0", false, false, false, false],
    ["0.3.0", true, false, false, false],
    ["0.3.1", true, false, false, false],
    ["0.4.0", true, true, true, false],
    ["1.0.0", true, true, true, false],
    ["1.1.0", true, true, true, true],
  ];
  describe.each(table)("%s", (v, chaining, check, prevDel, gc) => {
    it("gates features by version", () => {
      expect(isKnownVersion(v)).toBe(true);
      expect(supportsChaining(v)).toBe(chaining);
      expect(supportsCheck(v)).toBe(check);
      expect(sendsPrevResultOnDel(v)).toBe(prevDel);
      expect(supportsGcAndStatus(v)).toBe(gc);
    });
  });

  it("does not know unknown or malformed versions and gates them off", () => {
    for (const v of ["1.2.0", "0.5.0", "abc", ""]) expect(isKnownVersion(v)).toBe(false);
    expect(isKnownVersion(undefined)).toBe(false);
    expect(supportsCheck("garbage")).toBe(false);
    expect(supportsGcAndStatus("9.0.0")).toBe(true);
  });
});

describe("selectConfigVersion", () => {
  it("treats a missing or empty cniVersion as 0.1.0", () => {
    expect(selectConfigVersion(undefined, undefined)).toBe("0.1.0");
    expect(selectConfigVersion("", undefined)).toBe("0.1.0");
  });

  it("uses cniVersion as is when cniVersions is absent, even if unknown", () => {
    expect(selectConfigVersion("0.4.0", undefined)).toBe("0.4.0");
    expect(selectConfigVersion("2.0.0", undefined)).toBe("2.0.0");
  });

  it("picks the highest of cniVersion ∪ cniVersions", () => {
    expect(selectConfigVersion("0.4.0", ["1.0.0", "0.3.1"])).toBe("1.0.0");
    expect(selectConfigVersion("1.1.0", ["1.0.0"])).toBe("1.1.0");
    expect(selectConfigVersion(undefined, ["0.3.1", "1.0.0", "0.4.0"])).toBe("1.0.0");
  });

  it("drops versions newer than the current one, including cniVersion", () => {
    expect(selectConfigVersion("1.0.0", ["1.1.0", "1.2.0", "2.0.0"])).toBe("1.1.0");
    expect(selectConfigVersion("1.5.0", ["1.0.0"])).toBe("1.0.0");
  });

  it("falls back to cniVersion when every candidate is too new", () => {
    expect(selectConfigVersion("1.5.0", ["2.0.0"])).toBe("1.5.0");
    expect(selectConfigVersion(undefined, [])).toBe("0.1.0");
  });

  it("rejects a non-array cniVersions naming the key and the file", () => {
    const err = caught(() => selectConfigVersion("1.0.0", "1.1.0", "/etc/cni/net.d/10-a.conflist"));
    expect(err.code).toBe(7);
    expect(err.kind).toBe("invalid-config");
    expect(err.message).toContain("cniVersions");
    expect(err.message).toContain("/etc/cni/net.d/10-a.conflist");
    expect(err.source).toBe("/etc/cni/net.d/10-a.conflist");
  });

  it("rejects a non-string entry naming its index", () => {
    const err = caught(() => selectConfigVersion("1.0.0", ["1.0.0", 1], "a.conflist"));
    expect(err.code).toBe(7);
    expect(err.message).toContain("cniVersions index 1");
    expect(err.message).toContain("a.conflist");
  });

  it("rejects malformed versions when cniVersions is present", () => {
    expect(caught(() => selectConfigVersion("1.0.0", ["one"])).message).toContain('"one"');
    expect(caught(() => selectConfigVersion("latest", ["1.0.0"])).message).toContain('"latest"');
  });

  it("rejects a non-string cniVersion", () => {
    const err = caught(() => selectConfigVersion(1, undefined, "b.conf"));
    expect(err.code).toBe(7);
    expect(err.message).toContain("cniVersion");
  });
});

describe("negotiatePluginVersion", () => {
  const debian111 = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"];

  it("keeps the selected version when the plugin supports it", () => {
    expect(negotiatePluginVersion("1.0.0", debian111)).toBe("1.0.0");
    expect(negotiatePluginVersion("0.3.1", debian111)).toBe("0.3.1");
  });

  it("runs a 1.1.0 list at 1.0.0 on plugins that stop at 1.0.0", () => {
    expect(negotiatePluginVersion("1.1.0", debian111)).toBe("1.0.0");
  });

  it("never crosses a major version", () => {
    expect(negotiatePluginVersion("1.1.0", ["0.4.0"])).toBeUndefined();
    expect(negotiatePluginVersion("1.0.0", ["2.0.0"])).toBeUndefined();
  });

  it("never picks a version higher than selected", () => {
    expect(negotiatePluginVersion("1.0.0", ["1.1.0"])).toBeUndefined();
    expect(negotiatePluginVersion("0.3.1", ["0.4.0", "0.3.0"])).toBe("0.3.0");
  });

  it("treats 0.3.x/0.4.0 as one family and 0.1/0.2 as another", () => {
    expect(negotiatePluginVersion("0.4.0", ["0.2.0", "0.3.1"])).toBe("0.3.1");
    expect(negotiatePluginVersion("0.3.0", ["0.1.0", "0.2.0"])).toBeUndefined();
    expect(negotiatePluginVersion("0.2.0", ["0.1.0", "0.3.0"])).toBe("0.1.0");
  });

  it("ignores malformed supported entries and malformed selected versions", () => {
    expect(negotiatePluginVersion("1.1.0", ["bogus", "1.0.0"])).toBe("1.0.0");
    expect(negotiatePluginVersion("bogus", ["1.0.0"])).toBeUndefined();
    expect(negotiatePluginVersion("1.1.0", [])).toBeUndefined();
  });
});
