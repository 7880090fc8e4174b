// NetworkAttachmentDefinitions through the kube edge: informer cache, live GET fallback,
// multi-net spec resolution (spec.config, then conflist, then conf), and not-found lists.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ERROR_CODES } from "../../server/src/errors/error-codes.js";
import type { NetworkLookup } from "../../server/src/resolve/index.js";
import { type EdgeFixture, startEdgeFixture } from "../helpers/kube-stand-in/edge-fixture.js";

const NADS = "network-attachment-definitions" as const;
let fx: EdgeFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function synced(opts: Parameters<typeof startEdgeFixture>[0] = {}): Promise<EdgeFixture> {
  fx = await startEdgeFixture(opts);
  await vi.waitFor(() => expect(fx!.edge.ready()).toBe(true), { timeout: 10_000 });
  return fx;
}

const triedOf = (r: NetworkLookup): readonly string[] | undefined => (r.found === undefined ? r.tried : undefined);
const lookup = (f: EdgeFixture, namespace: string, name: string): Promise<NetworkLookup> =>
  f.edge.networkSource.lookup({ namespace, name });

describe("kube edge: NetworkAttachmentDefinitions", () => {
  it("sees definitions created, updated and deleted through the informer (live GETs fail meanwhile)", async () => {
    const f = await synced();
    f.standIn.failNext({ verb: "get", resource: NADS }, 500, 1_000); // only the watch can tell us
    f.standIn.createNad({
      namespace: "ns1",
      name: "blue",
      config: { cniVersion: "1.0.0", type: "bridge", bridge: "b1" },
    });
    await vi.waitFor(async () =>
      expect((await lookup(f, "ns1", "blue")).found?.config).toMatchObject({ name: "blue", bridge: "b1" }),
    );

    f.standIn.updateNad("ns1", "blue", { cniVersion: "1.0.0", name: "blue", type: "bridge", bridge: "b2" });
    await vi.waitFor(async () =>
      expect((await lookup(f, "ns1", "blue")).found?.config).toMatchObject({ bridge: "b2" }),
    );

    f.standIn.clearFaults();
    f.standIn.deleteNad("ns1", "blue");
    await vi.waitFor(async () => expect((await lookup(f, "ns1", "blue")).found).toBeUndefined());
  });

  it("finds a definition created just before its pod with one live GET", async () => {
    const f = await synced();
    f.standIn.stallWatches(); // the informer does not hear about it
    f.standIn.createNad({
      namespace: "ns1",
      name: "fresh",
      config: { cniVersion: "1.0.0", type: "macvlan", master: "eth0" },
    });
    f.standIn.resetRequests();
    const r = await lookup(f, "ns1", "fresh");
    expect(r.found?.config).toEqual({ name: "fresh", cniVersion: "1.0.0", type: "macvlan", master: "eth0" });
    expect(r.found?.origin).toEqual({
      kind: "network-attachment-definition",
      namespace: "ns1",
      name: "fresh",
      configFrom: "spec.config",
    });
    expect(f.standIn.requests.map((q) => `${q.verb} ${q.path}`)).toEqual([
      "get /apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/fresh",
    ]);
  });

  it("names the definition and every place looked when it does not exist", async () => {
    const f = await synced({
      seed: (s) => void s.createNad({ namespace: "ns1", name: "other", config: { type: "bridge" } }),
    });
    const r = await lookup(f, "ns1", "missing");
    expect(r.found).toBeUndefined();
    expect(triedOf(r)).toEqual([
      "NetworkAttachmentDefinition ns1/missing (informer cache: namespace ns1, it holds other)",
      "NetworkAttachmentDefinition ns1/missing (live GET: 404 Not Found)",
    ]);
  });

  it("remembers a 404 while the informer stays synced, and still sees the definition once created", async () => {
    const f = await synced();
    f.standIn.resetRequests();
    expect((await lookup(f, "default", "cbr0")).found).toBeUndefined();
    const again = await lookup(f, "default", "cbr0");
    expect(triedOf(again)?.[1]).toMatch(
      /^NetworkAttachmentDefinition default\/cbr0 \(live GET: 404 Not Found \d+ s ago, not created since\)$/,
    );
    expect(f.standIn.count({ verb: "get" })).toBe(1);
    f.standIn.createNad({ namespace: "default", name: "cbr0", config: { type: "bridge" } });
    await vi.waitFor(async () => expect((await lookup(f, "default", "cbr0")).found?.name).toBe("cbr0"));
    expect(f.standIn.count({ verb: "get" })).toBe(1);
  });

  it("does not trust a remembered 404 across a watch gap", async () => {
    const f = await synced();
    expect((await lookup(f, "ns1", "later")).found).toBeUndefined();
    await f.standIn.down();
    await vi.waitFor(() => expect(f.edge.ready()).toBe(false));
    await f.standIn.up();
    await vi.waitFor(() => expect(f.edge.ready()).toBe(true), { timeout: 10_000 }); // a relist after a backoff
    f.standIn.stallWatches();
    f.standIn.createNad({ namespace: "ns1", name: "later", config: { type: "bridge" } });
    f.standIn.resetRequests();
    expect((await lookup(f, "ns1", "later")).found?.name).toBe("later");
    expect(f.standIn.count({ verb: "get" })).toBe(1);
  });

  it("keeps a config's own name and gives a nameless one the definition's", async () => {
    const f = await synced({
      seed: (s) => {
        s.createNad({
          namespace: "ns1",
          name: "named",
          config: { cniVersion: "0.4.0", name: "custom", plugins: [{ type: "bridge" }] },
        });
        s.createNad({
          namespace: "ns1",
          name: "nameless",
          config: { cniVersion: "0.4.0", plugins: [{ type: "bridge" }] },
        });
      },
    });
    expect((await lookup(f, "ns1", "named")).found?.config.name).toBe("custom");
    expect((await lookup(f, "ns1", "nameless")).found?.config.name).toBe("nameless");
  });

  it("falls back to the conf dir for a definition without spec.config, preferring a conflist over a conf", async () => {
    const f = await synced({ seed: (s) => void s.createNad({ namespace: "ns1", name: "ondisk" }) });
    await f.writeConf("10-ondisk.conf", { cniVersion: "1.0.0", name: "ondisk", type: "bridge", bridge: "from-conf" });
    await f.writeConf("20-ondisk.conflist", {
      cniVersion: "1.0.0",
      name: "ondisk",
      plugins: [{ type: "bridge", bridge: "from-list" }],
    });
    const r = await lookup(f, "ns1", "ondisk");
    expect(r.found?.config).toMatchObject({ plugins: [{ bridge: "from-list" }] });
    expect(r.found?.origin).toEqual({
      kind: "network-attachment-definition",
      namespace: "ns1",
      name: "ondisk",
      configFrom: "conf-file",
      confPath: `${f.confDir}/20-ondisk.conflist`,
    });
  });

  it("lists the conf dir among the places looked when neither spec.config nor a file exists", async () => {
    const f = await synced({ seed: (s) => void s.createNad({ namespace: "ns1", name: "ghost" }) });
    const r = await lookup(f, "ns1", "ghost");
    expect(r.found).toBeUndefined();
    expect(triedOf(r)?.[0]).toContain("NetworkAttachmentDefinition ns1/ghost has no spec.config");
    expect(triedOf(r)?.join("\n")).toContain(`conf dir ${f.confDir}`);
  });

  it("rejects a spec.config that is not a CNI config with INVALID_NETWORK_CONFIG naming the definition", async () => {
    const f = await synced({
      seed: (s) => void s.createNad({ namespace: "ns1", name: "broken", config: "{not json" }),
    });
    const err = await lookup(f, "ns1", "broken").catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "DaemonError",
      code: "INVALID_NETWORK_CONFIG",
      context: { network: "ns1/broken" },
    });
    expect((err as Error).message).toContain("NetworkAttachmentDefinition ns1/broken");
  });

  // The definitions informer holds every namespace's definitions on every node: whoever may create
  // one in any namespace decided what each node's daemon held (up to ~1.5 MiB an object).
  it("keeps no spec.config over limits.maxNetworkConfigBytes: its lookup names the definition, the size and the key", async () => {
    const big = { type: "bridge", bridge: "big", padding: "x".repeat(5_000) };
    const f = await synced({
      config: { maxNetworkConfigBytes: 4_096 },
      seed: (s) => {
        s.createNad({ namespace: "ns1", name: "big", config: big });
        s.createNad({ namespace: "ns1", name: "small", config: { type: "bridge", bridge: "s" } });
      },
    });
    f.standIn.resetRequests();
    const err = await lookup(f, "ns1", "big").catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "DaemonError", code: "INVALID_NETWORK_CONFIG", context: { network: "ns1/big" } });
    expect((err as Error).message).toBe(
      `NetworkAttachmentDefinition ns1/big: spec.config is ${JSON.stringify(big).length} bytes: over limits.maxNetworkConfigBytes (4096)`,
    );
    expect((await lookup(f, "ns1", "small")).found?.config).toMatchObject({ bridge: "s" });
    // The same bound on a definition read live (not in the cache yet).
    f.standIn.stallWatches();
    f.standIn.createNad({ namespace: "ns1", name: "late-big", config: big });
    const late = await lookup(f, "ns1", "late-big").catch((e: unknown) => e);
    expect((late as Error).message).toContain("NetworkAttachmentDefinition ns1/late-big: spec.config is");
    expect(f.standIn.count({ verb: "get", resource: NADS })).toBe(1);
  });

  it("watches only the configured namespaces and says so for others", async () => {
    const f = await synced({
      config: { namespaces: ["ns1"] },
      seed: (s) => {
        s.createNad({ namespace: "ns1", name: "in", config: { type: "bridge" } });
        s.createNad({ namespace: "ns2", name: "out", config: { type: "bridge" } });
      },
    });
    expect(f.standIn.requests.filter((q) => q.verb === "list" && q.resource === NADS).map((q) => q.path)).toEqual([
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions",
    ]);
    expect((await lookup(f, "ns1", "in")).found?.name).toBe("in");
    const out = await lookup(f, "ns2", "out");
    expect(triedOf(out)).toEqual([
      "NetworkAttachmentDefinition ns2/out: namespace ns2 is not watched (kubernetes.namespaces: ns1)",
    ]);
  });

  it("fails an uncached lookup with KUBE_API_UNAVAILABLE (CNI 11) while the API server is down, and recovers", async () => {
    const f = await synced({
      seed: (s) => void s.createNad({ namespace: "ns1", name: "cached", config: { type: "bridge" } }),
    });
    await f.standIn.down();
    await vi.waitFor(() => expect(f.edge.networkSource.ready()).toBe(false));
    expect((await lookup(f, "ns1", "cached")).found?.name).toBe("cached"); // the cache still answers
    const err = await lookup(f, "ns1", "new").catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "DaemonError", code: "KUBE_API_UNAVAILABLE" });
    expect(ERROR_CODES.KUBE_API_UNAVAILABLE.cniCode).toBe(11);
    expect((err as Error).message).toContain("NetworkAttachmentDefinition ns1/new");

    f.standIn.createNad({ namespace: "ns1", name: "new", config: { type: "bridge" } }); // while down
    await f.standIn.up();
    await vi.waitFor(() => expect(f.edge.networkSource.ready()).toBe(true), { timeout: 10_000 }); // a relist after a backoff
    f.standIn.failNext({ verb: "get", resource: NADS }, 500, 1_000);
    await vi.waitFor(async () => expect((await lookup(f, "ns1", "new")).found?.name).toBe("new"));
  });

  it("stays not ready, saying why, when the NetworkAttachmentDefinition CRD is not installed", async () => {
    fx = await startEdgeFixture({ standIn: { withoutNadCrd: true } });
    const f = fx;
    await vi.waitFor(() => expect(f.standIn.count({ verb: "list", resource: NADS })).toBeGreaterThan(1)); // retried
    expect(f.edge.ready()).toBe(false);
    expect(f.edge.networkSource.ready()).toBe(false);
    expect(f.edge.podSource.ready()).toBe(true);
    expect(f.edge.notReadyReasons()).toEqual([
      "informer NetworkAttachmentDefinitions in all namespaces: HTTP 404 Not Found (is the resource installed, e.g. the NetworkAttachmentDefinition CRD?)",
    ]);
  });
});
