// resolveSelection, the hot-plug's lookup: only the new network is resolved, and its errors name
// where the selection was written (the annotation and the element's position there).
import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION } from "./annotations.js";
import { createMemorySource } from "./memory-source.js";
import { createNetworkResolver } from "./network-resolver.js";
import type { NetworkDefinition, SelectionConfig } from "./types.js";

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

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}

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
    const refused = await rejection(
      resolver.resolveSelection({ namespace: "pod-ns", selection: { name: "b", namespace: "other" }, place }),
    );
    expect(refused.code).toBe("NAMESPACE_NOT_ALLOWED");
    expect(refused.message).toContain(`${NETWORKS_ANNOTATION}: element 2 ("b")`);
    const missing = await rejection(
      resolver.resolveSelection({ namespace: "pod-ns", selection: { name: "nope" }, place }),
    );
    expect(missing.code).toBe("NETWORK_NOT_FOUND");
    expect(missing.message).toContain(`${NETWORKS_ANNOTATION}: element 2 ("nope")`);
    const bad = await rejection(
      resolver.resolveSelection({ namespace: "pod-ns", selection: { name: "a", mac: "zz" }, place }),
    );
    expect(bad.code).toBe("INVALID_ANNOTATION");
    expect(bad.message).toContain(`${NETWORKS_ANNOTATION}: element 2`);
  });
});
