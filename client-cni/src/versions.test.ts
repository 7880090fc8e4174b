import { describe, expect, it } from "vitest";
import { checkVersion, versionAnswer } from "./versions.js";

describe("versions", () => {
  it("VERSION echoes a supported version and lists 0.3.0..1.1.0", () => {
    expect(versionAnswer("1.0.0")).toEqual({
      cniVersion: "1.0.0",
      supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"],
    });
    expect(versionAnswer(undefined).cniVersion).toBe("1.1.0");
  });

  it.each([
    ["ADD", "0.2.0"],
    ["ADD", "2.0.0"],
    ["CHECK", "0.3.1"],
    ["GC", "1.0.0"],
    ["STATUS", "0.4.0"],
  ] as const)("%s with %s is code 1", (command, version) => {
    expect(() => checkVersion(command, version)).toThrow(expect.objectContaining({ code: 1 }));
  });

  it.each([
    ["ADD", "0.3.0"],
    ["DEL", "1.1.0"],
    ["CHECK", "0.4.0"],
    ["GC", "1.1.0"],
  ] as const)("%s with %s is fine", (command, version) => {
    expect(() => checkVersion(command, version)).not.toThrow();
  });
});
