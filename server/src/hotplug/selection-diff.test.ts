import { describe, expect, it } from "vitest";
import { parseNetworkSelections } from "../resolve/parse-network-selections.js";
import { diffSelections } from "./selection-diff.js";

const parse = (value: string) => parseNetworkSelections(value, "ns1", "k8s.v1.cni.cncf.io/networks");
const ids = (list: ReadonlyArray<{ namespace?: string; name: string; interface?: string }>) =>
  list.map((s) => `${s.namespace}/${s.name}@${s.interface ?? ""}`);

describe("diffSelections", () => {
  it("compares by namespace/name@interface: new elements added, dropped ones removed, the rest untouched", () => {
    const d = diffSelections(parse("blue,green@data0"), parse("blue,other/green@data0,red"));
    expect(ids(d.added)).toEqual(["other/green@data0", "ns1/red@"]);
    expect(ids(d.removed)).toEqual(["ns1/green@data0"]);
  });

  it("the same network twice counts twice; options of an element that keeps its identity are no change", () => {
    const d = diffSelections(parse("blue,blue"), parse('[{"name":"blue","ips":["10.1.0.9/24"]}]'));
    expect(ids(d.added)).toEqual([]);
    expect(ids(d.removed)).toEqual(["ns1/blue@"]);
    expect(diffSelections(parse("a,b"), parse("b,a"))).toEqual({ added: [], removed: [] });
  });
});
