import { describe, expect, it } from "vitest";
import type { NetworkSelection } from "../resolve/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { matchSelections } from "./selection-match.js";
import { plannedDelegate } from "./testing.test-helper.js";

const delegate = plannedDelegate;
const cluster = delegate("kube-system/cluster", "eth0", { isDefault: true });
const everyPod = delegate("kube-system/extra", "net1", { fromDefaultNetworks: true });
const sel = (name: string, iface?: string, namespace = "ns"): NetworkSelection => ({
  name,
  namespace,
  ...(iface !== undefined ? { interface: iface } : {}),
});
const ifNames = (ds: readonly PlannedDelegate[]) => ds.map((d) => d.ifName);

describe("matchSelections", () => {
  it("an equivalent value changes nothing: `anet` and `anet@net2` are the same when net2 is what anet got", () => {
    const attached = [cluster, everyPod, delegate("ns/anet", "net2")];
    for (const value of [[sel("anet")], [sel("anet", "net2")]]) {
      expect(matchSelections(attached, value, "ns")).toEqual({ detach: [], attach: [] });
    }
  });

  it("a network selected twice loses one element at a time: the positional interface first, then the other", () => {
    const attached = [cluster, delegate("ns/anet", "net1"), delegate("ns/anet", "net2")];
    const one = matchSelections(attached, [sel("anet")], "ns");
    expect(ifNames(one.detach)).toEqual(["net2"]);
    expect(one.attach).toEqual([]);
    expect(ifNames(matchSelections(attached, [], "ns").detach)).toEqual(["net1", "net2"]);
    // An element naming an interface keeps that one, whatever its position.
    expect(ifNames(matchSelections(attached, [sel("anet"), sel("anet", "net1")], "ns").detach)).toEqual([]);
    expect(ifNames(matchSelections(attached, [sel("anet", "net2")], "ns").detach)).toEqual(["net1"]);
  });

  it("an interface held by another network is detached and the element attached; the pod's namespace fills in", () => {
    const attached = [cluster, delegate("ns/anet", "net1")];
    const got = matchSelections(
      attached,
      [{ name: "snet", namespace: "shared", interface: "net1" }, { name: "bnet" }],
      "ns",
    );
    expect(ifNames(got.detach)).toEqual(["net1"]);
    expect(got.attach).toEqual([
      { selection: { name: "snet", namespace: "shared", interface: "net1" }, index: 1 },
      { selection: { name: "bnet" }, index: 2 },
    ]);
  });

  it("the cluster network and the daemon's defaultNetworks are never the pod's selections", () => {
    const attached = [cluster, everyPod];
    expect(matchSelections(attached, [], "ns").detach).toEqual([]);
    // Naming them in the annotation asks for one more attachment, as a full ADD would make.
    expect(matchSelections(attached, [sel("extra", undefined, "kube-system")], "ns").attach).toHaveLength(1);
  });
});
