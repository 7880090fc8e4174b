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
