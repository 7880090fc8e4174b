// The fixture test/fixtures/containerd-1.6 is what a live containerd sends: re-record with
// the private containerd and compare, keys and casing exactly (CNI_ARGS order comes from a
// Go map, so it is compared as a set). Regenerate with test/helpers/containerd/record-main.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeRoot } from "../helpers/root.js";
import { recordContainerdCni, type RecordedScenario } from "../helpers/containerd/record-containerd-cni.js";

function normalise(s: RecordedScenario): unknown {
  return {
    ...s,
    calls: s.calls.map((c) => ({ ...c, env: { ...c.env, CNI_ARGS: (c.env.CNI_ARGS ?? "").split(";").sort() } })),
  };
}

describeRoot("the containerd 1.6 recording", () => {
  describe("matches a live containerd", () => {
    it("for a pod with annotations, ports, bandwidth and DNS, and for a bare pod", async () => {
      const live = await recordContainerdCni();
      expect(live.map((s) => s.scenario)).toEqual(["full", "minimal"]);
      for (const scenario of live) {
        const fixture = JSON.parse(
          readFileSync(new URL(`../fixtures/containerd-1.6/${scenario.scenario}.json`, import.meta.url), "utf8"),
        ) as RecordedScenario;
        expect(normalise(scenario)).toEqual(normalise(fixture));
      }
    });
  });
});
