import { describe, expect, it } from "vitest";
import { openNadList } from "./kube-nad-list.js";

describe("openNadList", () => {
  const opts = { deadline: new Date(Date.now() + 1_000) };

  it("refuses in-cluster settings outside a pod, saying where to run doctor", () => {
    expect(() => openNadList({ mode: "in-cluster" }, opts, {})).toThrow(
      "kubernetes.mode is in-cluster and KUBERNETES_SERVICE_HOST is not set (not in a pod): run doctor in netattachd's pod (kubectl exec) to read them",
    );
  });

  it("names the kubeconfig it cannot load", () => {
    expect(() => openNadList({ mode: "kubeconfig", kubeconfigPath: "/nonexistent/kubeconfig" }, opts, {})).toThrow(
      /^cannot load Kubernetes client settings from kubeconfig \/nonexistent\/kubeconfig: /,
    );
  });
});
