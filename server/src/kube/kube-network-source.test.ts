import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createMemorySource } from "../resolve/index.js";
import type { ConfDirFallbackRule } from "../resolve/index.js";
import type { ApiGate } from "./api-gate.js";
import type { KubeClient } from "./kube-client.js";
import { createKubeNetworkSource } from "./kube-network-source.js";
import { DEFAULT_KUBE_TUNING } from "./kube-tuning.js";
import type { SyncedInformer } from "./synced-informer.js";
import { trimNad, type TrimmedNad } from "./trim-object.js";

// A definition without spec.config in a tenant's namespace, in a synced informer cache.
const nad = trimNad({ metadata: { name: "private", namespace: "tenanta", uid: "u1" } });
const informer = {
  get: (ns: string, name: string) => (ns === "tenanta" && name === "private" ? nad : undefined),
  list: () => [nad],
  synced: () => true,
  syncEpoch: () => 1,
} as unknown as SyncedInformer<TrimmedNad>;
const confDirSource = createMemorySource(
  [
    {
      name: "private",
      config: { cniVersion: "1.0.0", name: "private", type: "bridge" },
      origin: { kind: "conf-file", path: "/etc/cni/net.d/20-private.conf" },
    },
  ],
  "conf dir",
);

const lookup = (rule?: ConfDirFallbackRule) =>
  createKubeNetworkSource({
    informers: new Map([["", informer]]),
    client: {} as KubeClient,
    gate: {} as ApiGate,
    confDirSource,
    ...(rule === undefined ? {} : { confDirFallback: { rule, defaultNamespace: "kube-system" } }),
    tuning: DEFAULT_KUBE_TUNING,
    log: pino({ level: "silent" }),
  }).lookup({ namespace: "tenanta", name: "private" });

describe("the Kubernetes source and confDirFallback", () => {
  it("lets a tenant's config-less definition reach the conf dir network by default (spec, Multus)", async () => {
    expect((await lookup()).found?.origin).toMatchObject({
      configFrom: "conf-file",
      confPath: "/etc/cni/net.d/20-private.conf",
    });
  });

  it("refuses it with default-namespace, naming the definition and the key", async () => {
    await expect(lookup("default-namespace")).rejects.toMatchObject({
      code: "INVALID_NETWORK_CONFIG",
      message: expect.stringContaining(
        'NetworkAttachmentDefinition tenanta/private: has no spec.config, and confDirFallback "default-namespace"',
      ),
    });
  });
});
