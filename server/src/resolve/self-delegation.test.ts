import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION } from "./annotations.js";
import { createConfDirSource } from "./conf-dir-source.js";
import { createDefinitionDirSource } from "./definition-dir-source.js";
import { createNetworkResolver } from "./network-resolver.js";
import { BASE_SELECTION } from "./selection-config.test-helper.js";
import type { SelectionConfig } from "./types.js";

// What `netattachctl install` writes into the runtime's conf dir, which is netattachd's by default.
const SHIM_CONFLIST = {
  cniVersion: "1.0.0",
  name: "netattach",
  plugins: [{ type: "netattach-cni", socketPath: "/run/netattach/netattach.sock" }],
};

const root = mkdtempSync(join(tmpdir(), "na-self-"));
const confD = join(root, "net.d");
const defs = join(root, "defs");
mkdirSync(confD);
mkdirSync(defs);
writeFileSync(join(confD, "00-netattach.conflist"), JSON.stringify(SHIM_CONFLIST));
writeFileSync(
  join(confD, "10-cluster.conflist"),
  JSON.stringify({ cniVersion: "1.0.0", name: "cluster-net", plugins: [{ type: "bridge" }] }),
);
const nad = (name: string, config?: object): string =>
  [
    "apiVersion: k8s.cni.cncf.io/v1",
    "kind: NetworkAttachmentDefinition",
    `metadata: {name: ${name}, namespace: default}`,
    ...(config === undefined ? [] : [`spec: {config: '${JSON.stringify(config)}'}`]),
  ].join("\n");
writeFileSync(join(defs, "rec.yaml"), nad("netattach"));
writeFileSync(
  join(defs, "chain.yaml"),
  nad("chained", { cniVersion: "1.0.0", plugins: [{ type: "bridge" }, { type: "netattach-cni" }] }),
);
writeFileSync(
  join(defs, "ipam.yaml"),
  nad("by-ipam", { cniVersion: "1.0.0", type: "macvlan", ipam: { type: "netattach-cni" } }),
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BASE: SelectionConfig = { ...BASE_SELECTION, defaultNamespace: "default" };

function resolver(config: Partial<SelectionConfig> = {}) {
  const confDir = createConfDirSource(confD);
  const definitions = createDefinitionDirSource({ dir: defs, confDir });
  return createNetworkResolver({ sources: { definitions: [definitions], confDir }, config: { ...BASE, ...config } });
}

/** The DaemonError `p` rejects with. */
const refusal = (p: Promise<unknown>): Promise<DaemonError> =>
  p.then(
    () => expect.fail("resolved"),
    (e: unknown) => (expect(e).toBeInstanceOf(DaemonError), e as DaemonError),
  );

const pod = (networks: string) => ({
  namespace: "default",
  name: "p",
  annotations: { [NETWORKS_ANNOTATION]: networks },
});

describe("a network that would run netattach's own shim", () => {
  it("is refused when a definition without spec.config takes the shim's own conflist", async () => {
    const err = await refusal(resolver().resolve(pod("netattach")));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.context).toMatchObject({ network: "default/netattach", phase: "resolve" });
    expect(err.message).toBe(
      `network "default/netattach" (NetworkAttachmentDefinition default/netattach (${join(defs, "rec.yaml")}) -> ` +
        `${join(confD, "00-netattach.conflist")}): plugin 1 has "type": "netattach-cni", netattach's own CNI shim: ` +
        "netattachd would call itself for the same container and wait for its own lock; a network delegates to real plugins, never to netattach",
    );
  });

  it.each([
    ["chained", 'plugin 2 has "type": "netattach-cni"'],
    ["by-ipam", 'the conf has "ipam": {"type": "netattach-cni"}'],
  ])("is refused in spec.config (%s), naming where", async (name, place) => {
    const err = await refusal(resolver().resolve(pod(name)));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toContain(`network "default/${name}" (NetworkAttachmentDefinition default/${name} (`);
    expect(err.message).toContain(`: ${place}, netattach's own CNI shim`);
  });

  it("is refused as the cluster network and as a default network", async () => {
    const cluster = await refusal(resolver({ clusterNetwork: "netattach" }).resolveClusterNetwork());
    expect(cluster.code).toBe("INVALID_NETWORK_CONFIG");
    expect(cluster.message).toContain(`network "default/netattach"`);
    const byConfName = await refusal(
      resolver({ defaultNamespace: "kube-system", defaultNetworks: ["netattach"] }).resolve(pod("")),
    );
    expect(byConfName.message).toContain(`network "netattach" (${join(confD, "00-netattach.conflist")})`);
  });

  it("leaves other networks alone", async () => {
    const nets = await resolver().resolve(pod(""));
    expect(nets.map((n) => n.network)).toEqual(["cluster-net"]);
  });
});
