import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { createMemorySource } from "./memory-source.js";
import { resolveConfiguredNetwork } from "./resolve-configured-network.js";
import type { NetworkDefinition, NetworkSource } from "./types.js";

const conf = (name: string): NetworkDefinition => ({
  name,
  config: { name, type: "bridge" },
  origin: { kind: "conf-file", path: `/etc/cni/net.d/${name}.conf` },
});
const apiAway = new DaemonError(
  "KUBE_API_UNAVAILABLE",
  "reading NetworkAttachmentDefinition kube-system/cbr0: the API server could not be reached (ECONNREFUSED)",
  { phase: "kube" },
);

/** A definition source that cannot answer (the API server is away) and counts the lookups. */
function failing(err: unknown): NetworkSource & { calls: number } {
  const s = {
    description: "Kubernetes NetworkAttachmentDefinitions",
    ready: () => false,
    calls: 0,
    lookup: async () => {
      s.calls++;
      throw err;
    },
  };
  return s;
}

const sources = (definitions: NetworkSource, confs: NetworkDefinition[]) => ({
  definitions: [definitions],
  confDir: createMemorySource(confs, "conf dir"),
  defaultNamespace: "kube-system",
});

describe("resolveConfiguredNetwork while the API server is away", () => {
  it("takes a plain name from the conf dir when its definition cannot be looked up", async () => {
    const defs = failing(apiAway);
    await expect(
      resolveConfiguredNetwork("cbr0", sources(defs, [conf("cbr0")]), "daemon config clusterNetwork"),
    ).resolves.toEqual(conf("cbr0"));
    expect(defs.calls).toBe(1); // asked first (Multus order), unable to answer
  });

  it("reports the API server's absence when no conf file has the name either", async () => {
    await expect(
      resolveConfiguredNetwork("cbr0", sources(failing(apiAway), [conf("other")]), "daemon config clusterNetwork"),
    ).rejects.toBe(apiAway);
  });

  it("does not fall back for namespace/name (only a definition can be meant) or for other errors", async () => {
    await expect(
      resolveConfiguredNetwork(
        "kube-system/cbr0",
        sources(failing(apiAway), [conf("cbr0")]),
        "daemon config clusterNetwork",
      ),
    ).rejects.toBe(apiAway);
    const invalid = new DaemonError(
      "INVALID_NETWORK_CONFIG",
      "NetworkAttachmentDefinition kube-system/cbr0: spec.config is not JSON",
      { phase: "resolve" },
    );
    await expect(
      resolveConfiguredNetwork("cbr0", sources(failing(invalid), [conf("cbr0")]), "daemon config clusterNetwork"),
    ).rejects.toBe(invalid);
  });
});

describe("resolveConfiguredNetwork when nothing has the name", () => {
  it("lists each place it looked once, though a definition without spec.config sent it to the conf dir too", async () => {
    const confDir = createMemorySource([conf("other")], "conf dir");
    // A definition without spec.config: it asks the conf dir for its own name, as nad-to-definition does.
    const noConfig: NetworkSource = {
      description: "definitions dir",
      ready: () => true,
      lookup: async (ref, opts) => {
        const fromDir = await confDir.lookup(ref, opts);
        if (fromDir.found !== undefined) return fromDir;
        return { tried: [`kube-system/${ref.name} has no spec.config`, ...fromDir.tried] };
      },
    };
    const err = await resolveConfiguredNetwork(
      "cbr0",
      { definitions: [noConfig], confDir, defaultNamespace: "kube-system" },
      "daemon config clusterNetwork",
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "NETWORK_NOT_FOUND",
      message:
        "daemon config clusterNetwork: network cbr0 not found; tried: (1) kube-system/cbr0 has no spec.config; " +
        "(2) conf dir: no network kube-system/cbr0",
    });
  });
});
