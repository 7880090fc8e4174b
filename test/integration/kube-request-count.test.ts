// API requests per ADD in steady state, with the real network resolver on top of the edge:
// the pod from the informer, every definition (and a conf-named cluster network) from the
// caches, and one status PATCH. Multus thick makes ~2 requests per ADD, thin ~4+N.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createConfDirSource } from "../../server/src/resolve/conf-dir-source.js";
import { createNetworkResolver } from "../../server/src/resolve/network-resolver.js";
import type { NetworkResolver } from "../../server/src/resolve/index.js";
import { type EdgeFixture, NODE, startEdgeFixture } from "../helpers/kube-stand-in/edge-fixture.js";

const PODS = 20;
let fx: EdgeFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

function resolverFor(f: EdgeFixture, clusterNetwork: string): NetworkResolver {
  return createNetworkResolver({
    sources: { definitions: [f.edge.networkSource], confDir: createConfDirSource(f.confDir) },
    config: {
      clusterNetwork,
      defaultNetworks: [],
      systemNamespaces: ["kube-system"],
      namespaceIsolation: false,
      globalNamespaces: ["default"],
      defaultNamespace: "default",
    },
  });
}

/** What the attachment service asks of the edge for one ADD. */
async function add(
  f: EdgeFixture,
  resolver: NetworkResolver,
  name: string,
  annotationsFromRequest: boolean,
): Promise<void> {
  const fromRequest = { "k8s.v1.cni.cncf.io/networks": "blue,red@net9" };
  const annotations = annotationsFromRequest
    ? fromRequest
    : (await f.edge.podSource.getPod("ns1", name)).found!.annotations;
  const networks = await resolver.resolve({ namespace: "ns1", name, annotations });
  expect(networks.map((n) => n.network)).toEqual([expect.any(String), "ns1/blue", "ns1/red"]);
  const status = networks.map((n, i) => ({
    name: n.network,
    interface: i === 0 ? "eth0" : `net${i}`,
    ips: [`10.0.${i}.2`],
    default: i === 0,
  }));
  await f.edge.statusWriter.write({ namespace: "ns1", name, uid: "" }, status, {});
}

async function steadyState(): Promise<EdgeFixture> {
  fx = await startEdgeFixture({
    seed: (s) => {
      s.createNad({
        namespace: "default",
        name: "cluster-net",
        config: { cniVersion: "1.0.0", type: "bridge", bridge: "cni0" },
      });
      s.createNad({ namespace: "ns1", name: "blue", config: { cniVersion: "1.0.0", type: "macvlan", master: "eth0" } });
      s.createNad({ namespace: "ns1", name: "red", config: { cniVersion: "1.0.0", type: "bridge", bridge: "red0" } });
      for (let i = 0; i < PODS; i++)
        s.createPod({
          namespace: "ns1",
          name: `pod-${i}`,
          nodeName: NODE,
          annotations: { "k8s.v1.cni.cncf.io/networks": "blue,red@net9" },
        });
    },
  });
  await fx.writeConf("00-cbr0.conflist", {
    cniVersion: "1.0.0",
    name: "cbr0",
    plugins: [{ type: "bridge", bridge: "cbr0" }],
  });
  await vi.waitFor(() => expect(fx!.edge.ready()).toBe(true));
  return fx;
}

describe("kube edge: API requests per ADD", () => {
  it.each([
    ["annotations from the pod informer", false],
    ["annotations from the runtime's request", true],
  ])("steady state with %s: 0 reads, 1 write per ADD", async (_label, fromRequest) => {
    const f = await steadyState();
    const resolver = resolverFor(f, "cluster-net");
    f.standIn.resetRequests();
    for (let i = 0; i < PODS; i++) await add(f, resolver, `pod-${i}`, fromRequest);
    expect(f.standIn.count({ verb: ["get", "list", "watch"] })).toBe(0);
    expect(f.standIn.count({ verb: "patch", resource: "pods", subresource: "status" })).toBe(PODS);
    expect(f.standIn.requests).toHaveLength(PODS);
  });

  it("a cluster network given by conf name costs one 404 GET once, then none", async () => {
    const f = await steadyState();
    const resolver = resolverFor(f, "cbr0");
    f.standIn.resetRequests();
    for (let i = 0; i < PODS; i++) await add(f, resolver, `pod-${i}`, false);
    expect(f.standIn.requests.filter((r) => r.verb === "get").map((r) => `${r.path} ${r.status}`)).toEqual([
      "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/cbr0 404",
    ]);
    expect(f.standIn.count({ verb: "patch" })).toBe(PODS);
  });
});
