// resolveSelection, the hot-plug's lookup: only the new network is resolved, and its errors name
// where the selection was written (the annotation and the element's position there).
import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION } from "./annotations.js";
import { createMemorySource } from "./memory-source.js";
import { createNetworkResolver } from "./network-resolver.js";
import type { NetworkDefinition, NetworkSelection, SelectionConfig } from "./types.js";

const nad = (namespace: string, name: string): NetworkDefinition => ({
  namespace,
  name,
  config: { cniVersion: "1.0.0", name, type: "bridge" },
  origin: { kind: "network-attachment-definition", namespace, name, configFrom: "spec.config" },
});

/** The configured cluster network and default network exist nowhere: a hot-plug must not need them. */
const CONFIG: SelectionConfig = {
  clusterNetwork: "gone-cluster",
  defaultNetworks: ["gone-default"],
  systemNamespaces: [],
  namespaceIsolation: true,
  globalNamespaces: ["shared"],
  defaultNamespace: "kube-system",
};

const resolver = createNetworkResolver({
  sources: {
    definitions: [createMemorySource([nad("pod-ns", "a"), nad("shared", "s"), nad("other", "b")], "definitions")],
    confDir: createMemorySource([], "conf dir"),
  },
  config: CONFIG,
});
const place = { source: NETWORKS_ANNOTATION, index: 2 };

/** The error resolving `selection` (written as element 2 of the annotation) fails with. */
const refusal = (selection: NetworkSelection): Promise<DaemonError> =>
  resolver.resolveSelection({ namespace: "pod-ns", selection, place }).then(
    () => Promise.reject(new Error(`${selection.name} resolved`)),
    (err: unknown) => (expect(err).toBeInstanceOf(DaemonError), err as DaemonError),
  );

describe("resolveSelection (hot-plug)", () => {
  it("resolves the new network alone, whatever the configured cluster and default networks say", async () => {
    const got = await resolver.resolveSelection({
      namespace: "pod-ns",
      selection: { name: "s", namespace: "shared", interface: "s0" },
      place,
    });
    expect(got).toMatchObject({ role: "selected", network: "shared/s", selection: { interface: "s0" } });
    // The pod's namespace when the selection names none.
    expect((await resolver.resolveSelection({ namespace: "pod-ns", selection: { name: "a" }, place })).network).toBe(
      "pod-ns/a",
    );
  });

  it("errors name the annotation and the element's position in it", async () => {
    const refused = await refusal({ name: "b", namespace: "other" });
    expect(refused.code).toBe("NAMESPACE_NOT_ALLOWED");
    expect(refused.message).toContain(`${NETWORKS_ANNOTATION}: element 2 ("b")`);
    const missing = await refusal({ name: "nope" });
    expect(missing.code).toBe("NETWORK_NOT_FOUND");
    expect(missing.message).toContain(`${NETWORKS_ANNOTATION}: element 2 ("nope")`);
    const bad = await refusal({ name: "a", mac: "zz" });
    expect(bad.code).toBe("INVALID_ANNOTATION");
    expect(bad.message).toContain(`${NETWORKS_ANNOTATION}: element 2`);
  });
});
