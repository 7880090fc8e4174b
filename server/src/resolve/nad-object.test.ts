import { describe, expect, it } from "vitest";
import { nadRecordFromObject } from "./nad-object.js";

const nad = (extra: Record<string, unknown>, metadata: Record<string, unknown> = { name: "net" }) => ({
  apiVersion: "k8s.cni.cncf.io/v1",
  kind: "NetworkAttachmentDefinition",
  metadata,
  ...extra,
});

describe("nadRecordFromObject", () => {
  it("treats a missing, null or empty spec.config as 'use the conf dir'", () => {
    for (const extra of [{}, { spec: null }, { spec: {} }, { spec: { config: "" } }, { spec: { config: null } }]) {
      expect(nadRecordFromObject(nad(extra))).toEqual({ namespace: "default", name: "net" });
    }
  });

  it("keeps spec.config text, the manifest path and the resourceName annotation", () => {
    const obj = nad(
      { spec: { config: "{}" } },
      { name: "net", namespace: "ns1", annotations: { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov" } },
    );
    expect(nadRecordFromObject(obj, "/defs/a.yaml")).toEqual({
      namespace: "ns1",
      name: "net",
      config: "{}",
      manifestPath: "/defs/a.yaml",
      resourceName: "intel.com/sriov",
    });
  });

  it("has no record without a usable name or namespace", () => {
    expect(nadRecordFromObject(nad({}, {}))).toEqual({ problem: "metadata.name null is not a DNS-1123 label" });
    expect(nadRecordFromObject(nad({}, { name: "net", namespace: "Bad" }))).toEqual({
      problem: 'metadata.namespace "Bad" of net is not a DNS-1123 label',
    });
    expect(nadRecordFromObject("x")).toEqual({ problem: "is not an object" });
  });

  it("keeps the name but records the problem of a bad spec", () => {
    expect(nadRecordFromObject(nad({ spec: "x" }))).toEqual({
      namespace: "default",
      name: "net",
      problem: "spec is not an object",
    });
    expect(nadRecordFromObject(nad({ spec: { config: 5 } }))).toMatchObject({
      name: "net",
      problem: expect.stringContaining("spec.config must be a string"),
    });
  });
});
