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

  it("refuses the same words reworded as a typo, in any case style or section: each would leave a permissive default on", () => {
    const known = knownKeys();
    const refused = (path: string): string => {
      const judged = judgeUnknownKey(path, known, new Map());
      return "refusal" in judged ? judged.refusal.replace(/.*did you mean /u, "") : `warned: ${judged.warning}`;
    };
    expect(refused("isolateNamespaces")).toBe("namespaceIsolation?");
    expect(refused("namespace_isolation")).toBe("namespaceIsolation?");
    expect(refused("isolate-namespaces")).toBe("namespaceIsolation?");
    expect(refused("fallbackConfDir")).toBe("confDirFallback?");
    expect(refused("kubernetes.namespaceIsolation")).toBe("namespaceIsolation?");
    expect(refused("limits.perPodMaxNetworks")).toBe("limits.maxNetworksPerPod?");
    // Words that are not all a known key's stay a newer release's key: ignored with a warning.
    expect(refused("isolateAllNamespaces")).toMatch(/^warned: isolateAllNamespaces: unknown to this netattachd/u);
    expect(refused("confDir")).toMatch(/^warned: /u);
    // One word is not a rewording: keys of two sections may share it.
    expect(refused("kubernetes.annotation")).toMatch(/^warned: .*did you mean hotplug.annotations\?$/u);
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
