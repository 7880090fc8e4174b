import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { DEFAULT_NETWORK_ANNOTATION as DEFAULT_NET, NETWORKS_ANNOTATION as NETWORKS } from "./annotations.js";
import { createConfDirSource } from "./conf-dir-source.js";
import { createDefinitionDirSource } from "./definition-dir-source.js";
import { createMemorySource } from "./memory-source.js";
import { createNetworkResolver } from "./network-resolver.js";
import { BASE_SELECTION } from "./selection-config.test-helper.js";
import type { NetworkDefinition, NetworkSource, PodNetworkQuery, ResolvedNetwork, SelectionConfig } from "./types.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/resolve");

const nad = (namespace: string, name: string): NetworkDefinition => ({
  namespace,
  name,
  config: { cniVersion: "1.0.0", name, type: "bridge" },
  origin: { kind: "network-attachment-definition", namespace, name, configFrom: "spec.config" },
});
const conf = (name: string): NetworkDefinition => ({
  name,
  config: { name, type: "bridge" },
  origin: { kind: "conf-file", path: `/etc/cni/net.d/${name}.conf` },
});

/** A source that records lookups, to show what was (not) asked. */
function counted(source: NetworkSource): NetworkSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    description: source.description,
    ready: () => source.ready(),
    calls,
    lookup(ref, opts) {
      calls.push(`${ref.namespace}/${ref.name}`);
      return source.lookup(ref, opts);
    },
  };
}

function setup(config: Partial<SelectionConfig> = {}, extraDefs: NetworkDefinition[] = []) {
  const definitions = counted(
    createMemorySource(
      [
        nad("pod-ns", "a"),
        nad("pod-ns", "b"),
        nad("default", "shared"),
        nad("team-x", "c"),
        nad("kube-system", "alt-cluster"),
        nad("kube-system", "extra"),
        ...extraDefs,
      ],
      "definitions",
    ),
  );
  const confDir = counted(createMemorySource([conf("cluster-net"), conf("conf-extra")], "conf dir"));
  const resolver = createNetworkResolver({
    sources: { definitions: [definitions], confDir },
    config: { ...BASE_SELECTION, ...config },
  });
  return { resolver, definitions, confDir };
}

const pod = (annotations: Record<string, string> = {}, extra: Partial<PodNetworkQuery> = {}): PodNetworkQuery => ({
  namespace: "pod-ns",
  name: "pod-1",
  annotations,
  ...extra,
});
const summary = (nets: ResolvedNetwork[]) =>
  nets.map((n) => `${n.role}:${n.network}${n.selection.interface ? `@${n.selection.interface}` : ""}`);

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}

describe("createNetworkResolver: order", () => {
  it("returns the cluster network, then defaultNetworks, then the annotation's networks in order", async () => {
    const { resolver } = setup({ defaultNetworks: ["extra", "conf-extra"] });
    const nets = await resolver.resolve(pod({ [NETWORKS]: "b, a@data0, default/shared, b" }));
    expect(summary(nets)).toEqual([
      "cluster:cluster-net",
      "default:kube-system/extra",
      "default:conf-extra",
      "selected:pod-ns/b",
      "selected:pod-ns/a@data0",
      "selected:default/shared",
      "selected:pod-ns/b",
    ]);
    expect(nets[0]?.selection).toEqual({ name: "cluster-net" });
    expect(nets[1]?.selection).toEqual({ name: "extra", namespace: "kube-system" });
    expect(nets[4]).toEqual({
      role: "selected",
      network: "pod-ns/a",
      selection: { name: "a", namespace: "pod-ns", interface: "data0" },
      definition: nad("pod-ns", "a"),
    });
  });

  it("gives only the cluster network when no networks are selected", async () => {
    const { resolver } = setup();
    expect(summary(await resolver.resolve(pod()))).toEqual(["cluster:cluster-net"]);
    expect(summary(await resolver.resolve(pod({ [NETWORKS]: "  " })))).toEqual(["cluster:cluster-net"]);
  });

  it("skips defaultNetworks for pods in systemNamespaces", async () => {
    const { resolver } = setup({ defaultNetworks: ["extra"] });
    expect(summary(await resolver.resolve({ namespace: "kube-system", name: "coredns", annotations: {} }))).toEqual([
      "cluster:cluster-net",
    ]);
  });

  it("takes explicit selections instead of the annotation, with the same checks", async () => {
    const { resolver } = setup();
    const nets = await resolver.resolve(
      pod(
        { [NETWORKS]: "b" },
        {
          selections: [
            { name: "a", interface: "x0" },
            { name: "shared", namespace: "default" },
          ],
        },
      ),
    );
    expect(summary(nets)).toEqual(["cluster:cluster-net", "selected:pod-ns/a@x0", "selected:default/shared"]);
    const err = await rejection(resolver.resolve(pod({}, { selections: [{ name: "a", ips: ["nope"] }] })));
    expect(err.message).toBe('request selections: element 1 ("a"): "ips" entry 1 is not an IP address or CIDR: "nope"');
  });

  it("reads the JSON form with its fields", async () => {
    const { resolver } = setup();
    const nets = await resolver.resolve(
      pod({
        [NETWORKS]:
          '[{"name":"a","mac":"02:00:00:00:00:01","default-route":["10.0.0.1"]},{"name":"c","namespace":"team-x"}]',
      }),
    );
    expect(nets.slice(1).map((n) => n.selection)).toEqual([
      { name: "a", namespace: "pod-ns", mac: "02:00:00:00:00:01", defaultRoute: ["10.0.0.1"] },
      { name: "c", namespace: "team-x" },
    ]);
  });
});

describe("createNetworkResolver: cluster and default networks", () => {
  it("resolves the configured cluster network with no pod: no default networks, no annotations", async () => {
    const { resolver, definitions } = setup({ defaultNetworks: ["kube-system/extra"] });
    const cluster = await resolver.resolveClusterNetwork();
    expect(summary([cluster])).toEqual(["cluster:cluster-net"]);
    expect(definitions.calls).toEqual(["kube-system/cluster-net"]);
    const err = await rejection(setup({ clusterNetwork: " " }).resolver.resolveClusterNetwork());
    expect(err.message).toContain("daemon config clusterNetwork");
  });

  it("prefers a definition in defaultNamespace over a conf dir network of that name", async () => {
    const { resolver, confDir } = setup({}, [nad("kube-system", "cluster-net")]);
    const [cluster] = await resolver.resolve(pod());
    expect(cluster?.network).toBe("kube-system/cluster-net");
    expect(cluster?.selection).toEqual({ name: "cluster-net", namespace: "kube-system" });
    expect(confDir.calls).toEqual([]);
  });

  it("accepts namespace/name, and looks only at definitions then", async () => {
    const { resolver, confDir } = setup({ clusterNetwork: "team-x/c" });
    expect((await resolver.resolve(pod()))[0]?.network).toBe("team-x/c");
    expect(confDir.calls).toEqual([]);
  });

  it("loads an absolute path to a file or a directory", async () => {
    const file = join(FIXTURES, "conf.d/10-cluster.conflist");
    const byFile = (await setup({ clusterNetwork: file }).resolver.resolve(pod()))[0];
    expect(byFile?.network).toBe("cluster-net");
    expect(byFile?.definition.origin).toEqual({ kind: "conf-file", path: file });
    const byDir = (await setup({ clusterNetwork: join(FIXTURES, "cluster-dir") }).resolver.resolve(pod()))[0];
    expect(byDir?.network).toBe("first-net");
  });

  it("lists every place tried when the cluster network is missing", async () => {
    const err = await rejection(setup({ clusterNetwork: "missing" }).resolver.resolve(pod()));
    expect(err.code).toBe("NETWORK_NOT_FOUND");
    expect(err.message).toBe(
      "daemon config clusterNetwork: network missing not found; tried: (1) definitions: no network kube-system/missing; (2) conf dir: no network kube-system/missing",
    );
    expect(err.context).toEqual({ network: "missing", source: "daemon config clusterNetwork", phase: "resolve" });
  });

  it("names the defaultNetworks entry that is missing, and a bad path", async () => {
    const err = await rejection(setup({ defaultNetworks: ["extra", "gone"] }).resolver.resolve(pod()));
    expect(err.context.source).toBe("daemon config defaultNetworks[1]");
    const badPath = await rejection(setup({ clusterNetwork: "/nonexistent/net.conf" }).resolver.resolve(pod()));
    expect(badPath.message).toBe(
      "daemon config clusterNetwork: network /nonexistent/net.conf not found; tried: (1) path /nonexistent/net.conf does not exist",
    );
    const relative = await rejection(setup({ clusterNetwork: "etc/cni/x.conf" }).resolver.resolve(pod()));
    expect(relative.message).toContain('"etc/cni/x.conf" is neither a name, namespace/name nor an absolute path');
  });

  it("fails when no cluster network is configured", async () => {
    const err = await rejection(setup({ clusterNetwork: "" }).resolver.resolve(pod()));
    expect(err.message).toBe("daemon config clusterNetwork: is empty, so pods have no cluster network");
  });
});

describe("createNetworkResolver: default-network annotation", () => {
  it("replaces the cluster network; an unqualified name is looked up in defaultNamespace", async () => {
    const { resolver, confDir } = setup();
    const nets = await resolver.resolve(pod({ [DEFAULT_NET]: "alt-cluster", [NETWORKS]: "a" }));
    expect(summary(nets)).toEqual(["cluster:kube-system/alt-cluster", "selected:pod-ns/a"]);
    expect(confDir.calls).toEqual([]);
  });

  it("takes the JSON form and an explicit namespace", async () => {
    const { resolver } = setup();
    expect(summary(await resolver.resolve(pod({ [DEFAULT_NET]: '{"name":"b","namespace":"pod-ns"}' })))).toEqual([
      "cluster:pod-ns/b",
    ]);
    expect(summary(await resolver.resolve(pod({ [DEFAULT_NET]: "team-x/c" })))).toEqual(["cluster:team-x/c"]);
  });

  it("must name exactly one network", async () => {
    const { resolver } = setup();
    const err = await rejection(resolver.resolve(pod({ [DEFAULT_NET]: "a,b" })));
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message).toBe(`${DEFAULT_NET}: must name exactly one network, got 2`);
    expect((await rejection(resolver.resolve(pod({ [DEFAULT_NET]: "[]" })))).message).toContain("got 0");
  });

  it("must be a definition: the conf dir is not searched; an unqualified name says where its namespace came from", async () => {
    const err = await rejection(setup().resolver.resolve(pod({ [DEFAULT_NET]: "cluster-net" })));
    expect(err.code).toBe("NETWORK_NOT_FOUND");
    expect(err.message).toBe(
      `${DEFAULT_NET}: element 1 ("cluster-net") (no namespace given: looked up in the daemon's defaultNamespace "kube-system"): network kube-system/cluster-net not found; tried: (1) definitions: no network kube-system/cluster-net`,
    );
    expect(err.context).toEqual({ network: "kube-system/cluster-net", source: DEFAULT_NET, phase: "resolve" });
  });

  it("gives a pod's cluster network alone, as its ADD gets it, when resolveClusterNetwork is given the pod", async () => {
    const { resolver, definitions } = setup({ defaultNetworks: ["kube-system/extra"] });
    const alone = (annotations: Record<string, string>) =>
      resolver.resolveClusterNetwork({ pod: { namespace: "pod-ns", annotations } });
    expect(summary([await alone({ [DEFAULT_NET]: "alt-cluster", [NETWORKS]: "a" })])).toEqual([
      "cluster:kube-system/alt-cluster",
    ]);
    expect(definitions.calls).toEqual(["kube-system/alt-cluster"]);
    expect(summary([await alone({ [DEFAULT_NET]: " " })])).toEqual(["cluster:cluster-net"]);
    expect((await rejection(alone({ [DEFAULT_NET]: "a,b" }))).code).toBe("INVALID_ANNOTATION");
  });

  it("is subject to namespace isolation (Multus does not check it)", async () => {
    const err = await rejection(
      setup({ namespaceIsolation: true }).resolver.resolve(pod({ [DEFAULT_NET]: "alt-cluster" })),
    );
    expect(err.code).toBe("NAMESPACE_NOT_ALLOWED");
    expect(err.context).toEqual({ network: "kube-system/alt-cluster", source: DEFAULT_NET, phase: "resolve" });
  });
});

describe("createNetworkResolver: namespace isolation", () => {
  const isolated = () => setup({ namespaceIsolation: true, globalNamespaces: ["default", "global"] });

  it("allows the pod's own namespace and the global namespaces", async () => {
    expect(summary(await isolated().resolver.resolve(pod({ [NETWORKS]: "a,default/shared" })))).toEqual([
      "cluster:cluster-net",
      "selected:pod-ns/a",
      "selected:default/shared",
    ]);
  });

  it("rejects another namespace, naming pod namespace, target, annotation and the allowed list", async () => {
    const { resolver, definitions } = isolated();
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a,team-x/c" })));
    expect(err.code).toBe("NAMESPACE_NOT_ALLOWED");
    expect(err.message).toBe(
      `${NETWORKS}: element 2 ("c"): pod in namespace "pod-ns" may not use network team-x/c in namespace "team-x": namespace isolation allows only pod-ns, default, global (the pod's own namespace and globalNamespaces)`,
    );
    expect(err.context).toEqual({ network: "team-x/c", source: NETWORKS, phase: "resolve" });
    expect(definitions.calls).toEqual([]);
  });

  it("does not restrict the daemon's own cluster and default networks", async () => {
    const { resolver } = setup({ namespaceIsolation: true, defaultNetworks: ["extra"] });
    expect(summary(await resolver.resolve(pod()))).toEqual(["cluster:cluster-net", "default:kube-system/extra"]);
  });

  it("allows any namespace when isolation is off", async () => {
    expect(summary(await setup().resolver.resolve(pod({ [NETWORKS]: "team-x/c" })))).toEqual([
      "cluster:cluster-net",
      "selected:team-x/c",
    ]);
  });
});

describe("createNetworkResolver: errors", () => {
  it("NETWORK_NOT_FOUND lists every source and place tried, for the first missing element in order", async () => {
    const second = createMemorySource([], "second source");
    const confDir = createMemorySource([conf("cluster-net")], "conf dir");
    const resolver = createNetworkResolver({
      sources: { definitions: [createMemorySource([nad("pod-ns", "a")], "first source"), second], confDir },
      config: BASE_SELECTION,
    });
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a,missing-1,other/missing-2" })));
    expect(err.code).toBe("NETWORK_NOT_FOUND");
    expect(err.message).toBe(
      `${NETWORKS}: element 2 ("missing-1"): network pod-ns/missing-1 not found; tried: (1) first source: no network pod-ns/missing-1; (2) second source: no network pod-ns/missing-1`,
    );
    expect(err.context).toEqual({ network: "pod-ns/missing-1", source: NETWORKS, phase: "resolve" });
  });

  it("says when no definition source is configured", async () => {
    const resolver = createNetworkResolver({
      sources: { definitions: [], confDir: createMemorySource([conf("cluster-net")]) },
      config: BASE_SELECTION,
    });
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a" })));
    expect(err.message).toContain("tried: (1) no NetworkAttachmentDefinition source is configured");
  });

  it("checks every annotation before looking anything up", async () => {
    const { resolver, definitions, confDir } = setup();
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a,Bad" })));
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect([...definitions.calls, ...confDir.calls]).toEqual([]);
  });

  it("reports the cluster network's failure before a selection's", async () => {
    const err = await rejection(
      setup({ clusterNetwork: "missing" }).resolver.resolve(pod({ [NETWORKS]: "also-missing" })),
    );
    expect(err.context.source).toBe("daemon config clusterNetwork");
  });

  it("stops when the signal is aborted", async () => {
    await expect(setup().resolver.resolve(pod(), { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/i);
  });
});

describe("createNetworkResolver over the file sources", () => {
  const confDir = createConfDirSource(join(FIXTURES, "conf.d"));
  const definitions = createDefinitionDirSource({ dir: join(FIXTURES, "definitions"), confDir });
  const resolver = createNetworkResolver({
    sources: { definitions: [definitions], confDir },
    config: { ...BASE_SELECTION, defaultNamespace: "default" },
  });

  it("resolves macvlan-conf,default/ptp-conf@data0 for a pod in default, with origins", async () => {
    const nets = await resolver.resolve({
      namespace: "default",
      name: "p",
      annotations: { [NETWORKS]: "macvlan-conf,default/ptp-conf@data0" },
    });
    expect(summary(nets)).toEqual([
      "cluster:cluster-net",
      "selected:default/macvlan-conf",
      "selected:default/ptp-conf@data0",
    ]);
    expect(nets.map((n) => n.definition.origin.kind)).toEqual([
      "conf-file",
      "network-attachment-definition",
      "network-attachment-definition",
    ]);
    expect(nets[2]?.definition.origin).toMatchObject({
      configFrom: "conf-file",
      confPath: join(FIXTURES, "conf.d/30-ptp.json"),
    });
  });

  it("names the manifest dir, the other namespaces and the broken manifest when a network is missing", async () => {
    const err = await rejection(
      resolver.resolve({ namespace: "team-c", name: "p", annotations: { [NETWORKS]: "team-net" } }),
    );
    expect(err.message).toContain(
      `(1) definitions dir ${join(FIXTURES, "definitions")}: no NetworkAttachmentDefinition team-c/team-net ("team-net" exists in namespace team-a, team-b)`,
    );
    expect(err.message).toContain("zz-broken.yaml");
  });

  it("passes INVALID_NETWORK_CONFIG from a source through", async () => {
    const err = await rejection(
      resolver.resolve({ namespace: "default", name: "p", annotations: { [NETWORKS]: "bad-config" } }),
    );
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.context.network).toBe("default/bad-config");
  });
});

describe("createNetworkResolver: input limits", () => {
  it("refuses an annotation over limits.maxAnnotationBytes, naming the key, before parsing it", async () => {
    const { resolver, definitions } = setup({
      limits: { maxAnnotationBytes: 1024, maxNetworksPerPod: 32, maxJsonDepth: 32 },
    });
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a,".repeat(600) + "a" })));
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.message).toBe(`annotation ${NETWORKS} is 1201 bytes: over limits.maxAnnotationBytes (1024)`);
    expect(err.context).toMatchObject({ source: NETWORKS, limit: "limits.maxAnnotationBytes" });
    expect(definitions.calls).toEqual([]);
  });

  it("counts the cluster and default networks against limits.maxNetworksPerPod", async () => {
    const { resolver } = setup({
      defaultNetworks: ["conf-extra"],
      limits: { maxAnnotationBytes: 262_144, maxNetworksPerPod: 4, maxJsonDepth: 32 },
    });
    await expect(resolver.resolve(pod({ [NETWORKS]: "a,b" }))).resolves.toHaveLength(4);
    const err = await rejection(resolver.resolve(pod({ [NETWORKS]: "a,b,a@x" })));
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.message).toBe(
      `${NETWORKS} selects 3 networks, and the pod has 2 more (cluster and default networks): over limits.maxNetworksPerPod (4)`,
    );
    const json = await rejection(
      resolver.resolve(pod({ [NETWORKS]: JSON.stringify([{ name: "a" }, { name: "b" }, { name: "c" }]) })),
    );
    expect(json.code).toBe("LIMIT_EXCEEDED");
    const request = await rejection(
      resolver.resolve(pod({}, { selections: [{ name: "a" }, { name: "b" }, { name: "c" }] })),
    );
    expect(request.message).toMatch(/^request selections selects 3 networks.*limits\.maxNetworksPerPod \(4\)$/);
  });

  it("refuses 10^5 networks at once, without parsing each", async () => {
    const started = performance.now();
    const err = await rejection(
      setup().resolver.resolve(pod({ [NETWORKS]: Array.from({ length: 100_000 }, () => "a").join(",") })),
    );
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.context.limit).toBe("limits.maxNetworksPerPod");
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("refuses JSON nested deeper than limits.maxJsonDepth before parsing it", async () => {
    const deep = `[{"name":"a","cni-args":${"[".repeat(10_000)}${"]".repeat(10_000)}}]`;
    const err = await rejection(setup().resolver.resolve(pod({ [NETWORKS]: deep })));
    expect(err.code).toBe("LIMIT_EXCEEDED");
    expect(err.message).toBe(`annotation ${NETWORKS} nests JSON more than 32 deep: over limits.maxJsonDepth (32)`);
  });

  it("quotes a huge element only in part", async () => {
    const err = await rejection(setup().resolver.resolve(pod({ [NETWORKS]: `a,${"x".repeat(65_536)}@` })));
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message.length).toBeLessThan(400);
  });
});
