import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIELD_MANAGER, daemonVersion, userAgent } from "./client-identity.js";

describe("client identity", () => {
  it("is netattachd/<package.json version> from source, field manager netattachd", () => {
    const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(daemonVersion()).toBe(version);
    expect(userAgent()).toBe(`netattachd/${version}`);
    expect(FIELD_MANAGER).toBe("netattachd");
  });
});
