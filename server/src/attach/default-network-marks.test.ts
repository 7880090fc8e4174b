import { describe, expect, it } from "vitest";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";
import { markDefaultNetworks, type DefaultNetworksConfig } from "./default-network-marks.js";
import { plannedDelegate, request } from "./testing.test-helper.js";

const config: DefaultNetworksConfig = {
  defaultNetworks: ["infra", "ops/mon", "/etc/cni/extra.conf"],
  defaultNamespace: "kube-system",
  systemNamespaces: ["kube-system"],
};
const d = plannedDelegate;
const plan = (delegates: PlannedDelegate[], namespace = "default"): AttachmentPlan => ({
  containerId: "c1",
  netns: "/var/run/netns/test",
  pod: { ...request().pod, namespace },
  primaryIfName: "eth0",
  delegates: [d("cbr0", "eth0", { isDefault: true }), ...delegates],
});
const marks = (p: AttachmentPlan, c: DefaultNetworksConfig | null = config) =>
  markDefaultNetworks(p, c ?? undefined).plan.delegates.map((x) => [x.ifName, x.fromDefaultNetworks === true]);

describe("markDefaultNetworks (plans saved before the fromDefaultNetworks marker)", () => {
  it("conf-file delegates and configured entries in the run after the cluster network; each entry once; not past a selection", () => {
    const old = plan([
      d("kube-system/infra", "net1"),
      d("extra", "net2"),
      d("ops/mon", "net3"),
      d("kube-system/infra", "net4"), // the pod's own selection of infra: the entry is taken
      d("ops/other", "net5"),
    ]);
    expect(marks(old)).toEqual([
      ["eth0", false],
      ["net1", true],
      ["net2", true],
      ["net3", true],
      ["net4", false],
      ["net5", false],
    ]);
    expect(markDefaultNetworks(old, config).inferred.map((x) => x.ifName)).toEqual(["net1", "net2", "net3"]);
    // A hot-plug of a configured network after a selection is no default one.
    expect(marks(plan([d("default/blue", "net1"), d("ops/mon", "net2")]))).toEqual([
      ["eth0", false],
      ["net1", false],
      ["net2", false],
    ]);
  });

  it("without the daemon's config, or for a pod in systemNamespaces, only what the record says (conf files)", () => {
    const old = [d("extra", "net1"), d("kube-system/infra", "net2")];
    const expected = [
      ["eth0", false],
      ["net1", true],
      ["net2", false],
    ];
    expect(marks(plan(old), null)).toEqual(expected);
    expect(marks(plan(old, "kube-system"))).toEqual(expected);
  });

  it("a plan that says (the flag, or a marker on any delegate) is taken as it is", () => {
    const flagged = { ...plan([d("kube-system/infra", "net1")]), defaultNetworksMarked: true as const };
    expect(markDefaultNetworks(flagged, config)).toEqual({ plan: flagged, inferred: [] });
    const markerEra = plan([d("kube-system/infra", "net1", { fromDefaultNetworks: true }), d("ops/mon", "net2")]);
    expect(marks(markerEra)).toEqual([
      ["eth0", false],
      ["net1", true],
      ["net2", false],
    ]);
  });
});
