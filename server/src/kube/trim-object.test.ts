import { describe, expect, it } from "vitest";
import { trimNad, trimPod } from "./trim-object.js";

describe("informer object trimming", () => {
  it("keeps a pod's identity and annotations only, without kubectl's last-applied copy", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "p",
        namespace: "ns",
        uid: "u",
        resourceVersion: "7",
        labels: { app: "x" },
        managedFields: [{ manager: "kubelet" }],
        annotations: {
          "k8s.v1.cni.cncf.io/networks": "blue",
          "kubectl.kubernetes.io/last-applied-configuration": "{}",
        },
      },
      spec: { containers: [{ name: "c", env: [{ name: "A", value: "B" }] }] },
      status: { phase: "Running" },
    };
    expect(trimPod(pod)).toEqual({
      metadata: {
        name: "p",
        namespace: "ns",
        uid: "u",
        resourceVersion: "7",
        annotations: { "k8s.v1.cni.cncf.io/networks": "blue" },
      },
    });
  });

  it("keeps only the annotation a definition is read for (resourceName)", () => {
    const meta = { name: "n", namespace: "ns", uid: "u", resourceVersion: "3" };
    const nad = {
      apiVersion: "k8s.cni.cncf.io/v1",
      kind: "NetworkAttachmentDefinition",
      metadata: {
        ...meta,
        annotations: { "k8s.v1.cni.cncf.io/resourceName": "r", "example.com/notes": "x".repeat(1000) },
      },
      spec: { config: "{}" },
    };
    expect(trimNad(nad).metadata).toEqual({ ...meta, annotations: { "k8s.v1.cni.cncf.io/resourceName": "r" } });
  });

  it("drops a spec.config over the bound, in UTF-8 bytes, keeping its size", () => {
    const nad = (config: string) => ({ metadata: { name: "n", namespace: "ns" }, spec: { config } });
    expect(trimNad(nad("a".repeat(100)), { maxConfigBytes: 100 }).spec).toEqual({ config: "a".repeat(100) });
    expect(trimNad(nad("a".repeat(101)), { maxConfigBytes: 100 }).spec).toEqual({ droppedConfigBytes: 101 });
    expect(trimNad(nad("é".repeat(50)), { maxConfigBytes: 100 }).spec).toEqual({ config: "é".repeat(50) }); // 100 bytes
    expect(trimNad(nad("é".repeat(51)), { maxConfigBytes: 100 }).spec).toEqual({ droppedConfigBytes: 102 }); // 51 characters
    expect(trimNad(nad("a".repeat(101))).spec).toEqual({ config: "a".repeat(101) }); // no bound given
  });

  it("keeps a definition's apiVersion, kind, annotations and spec.config", () => {
    const nad = {
      apiVersion: "k8s.cni.cncf.io/v1",
      kind: "NetworkAttachmentDefinition",
      metadata: {
        name: "n",
        namespace: "ns",
        uid: "u",
        resourceVersion: "3",
        annotations: { "k8s.v1.cni.cncf.io/resourceName": "r" },
      },
      spec: { config: "{}" },
    };
    expect(trimNad(nad)).toEqual(nad);
    expect(trimNad({ metadata: { name: "e", namespace: "ns" }, spec: {} })).toEqual({
      apiVersion: "k8s.cni.cncf.io/v1",
      kind: "NetworkAttachmentDefinition",
      metadata: { name: "e", namespace: "ns", uid: "", resourceVersion: "" },
      spec: {},
    });
  });
});
