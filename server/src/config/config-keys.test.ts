import { describe, expect, it } from "vitest";
import { judgeUnknownKey, knownKeys, RETIRED_KEYS, withoutUnknownKeys } from "./config-keys.js";

describe("config keys", () => {
  it("refuses a retired key naming its replacement, and takes it out", () => {
    const retired = new Map([["reconcile.graceMs", { replacedBy: "reconcile.gracePeriodMs", since: "v9.9" }]]);
    const out = withoutUnknownKeys({ clusterNetwork: "c", reconcile: { graceMs: 5, enabled: false } }, retired);
    expect(out.refusals).toEqual([
      {
        key: "reconcile.graceMs",
        path: ["reconcile", "graceMs"],
        message:
          "reconcile.graceMs: retired in v9.9, use reconcile.gracePeriodMs instead (ignoring it would silently leave its value unapplied)",
      },
    ]);
    expect(out.warnings).toEqual([]);
    expect(out.known).toEqual({ clusterNetwork: "c", reconcile: { enabled: false } });
  });

  it("each retired key is not a key of this release, and names one that is", () => {
    const known = knownKeys();
    for (const [key, { replacedBy }] of RETIRED_KEYS) {
      expect(known).not.toContain(key);
      expect(known).toContain(replacedBy);
    }
  });

  it("no key of the schema is a typo of another: an older release would refuse it after a rollback", () => {
    // A key added this close to an existing one (a sibling within typo distance, or the same name
    // in another section) would be refused as a typo by every release before it: pick another name.
    const known = knownKeys();
    const clashes = known.flatMap((key) => {
      const judged = judgeUnknownKey(
        key,
        known.filter((k) => k !== key),
        new Map(),
      );
      return "refusal" in judged ? [judged.refusal] : [];
    });
    expect(clashes).toEqual([]);
  });
});
