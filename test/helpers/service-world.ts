// One isolated world for a root e2e test of the attachment service: a netns, a host bridge as
// macvlan master, a unique cluster bridge, random subnets, per-world conf/definitions/IPAM/state
// dirs, and a daemon on its own socket. cleanup() removes everything, even after a failure.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DaemonConfig } from "../../server/src/config/index.js";
import { CNI_BIN_DIRS } from "./cni-bin.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "./daemon.js";
import { createHostBridge, deleteHostLinks, ipamReservations } from "./host-net.js";
import { createNetns, uniqueName, type Netns } from "./netns.js";
import { distinctSubnets, type TestSubnet } from "./netconf-fixture.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));

export interface ServiceWorld {
  readonly dir: string;
  readonly dataDir: string;
  readonly confDir: string;
  readonly defsDir: string;
  /** Test-double plugins ("noop") first, then the real plugin dirs. */
  readonly binDirs: readonly string[];
  readonly debugFile: string;
  readonly netns: Netns;
  readonly clusterBridge: string;
  readonly master: string;
  readonly subnets: {
    readonly cluster: TestSubnet;
    readonly a: TestSubnet;
    readonly b: TestSubnet;
    readonly c: TestSubnet;
  };
  /** Writes a NetworkAttachmentDefinition manifest (returns its path). */
  writeNad(namespace: string, name: string, config: object | string | undefined, file?: string): Promise<string>;
  writeConf(file: string, config: object): Promise<string>;
  /** Config for a daemon on this world (socket and state under dir). */
  config(over?: Partial<DaemonConfig>): DaemonConfig;
  start(over?: Partial<DaemonConfig>): Promise<TestDaemon>;
  /** host-local reservations left in the world's dataDir for `network`. */
  reservations(network: string): Promise<string[]>;
  /** Links in the netns other than lo. */
  podLinks(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createServiceWorld(tag: string): Promise<ServiceWorld> {
  const dir = await tempDir(`na-svc-${tag}-`);
  const dataDir = join(dir, "ipam");
  const confDir = join(dir, "net.d");
  const defsDir = join(dir, "definitions");
  const bin = join(dir, "bin");
  for (const d of [dataDir, confDir, defsDir, bin]) await mkdir(d, { recursive: true });
  await symlink(NOOP, join(bin, "noop"));
  const clusterBridge = uniqueName("svcb");
  const master = uniqueName("svcm");
  const daemons: TestDaemon[] = [];
  let netns: Netns | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.all(daemons.splice(0).map((d) => d.stop().catch(() => undefined)));
    await netns?.delete();
    await deleteHostLinks(clusterBridge, master);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await createHostBridge(master);
    netns = await createNetns(`svc-${tag}-`);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const [cluster, a, b, c] = distinctSubnets(4);
  const subnets = { cluster, a, b, c };
  const clusterConf = {
    cniVersion: "1.0.0",
    name: "cluster",
    plugins: [
      {
        type: "bridge",
        bridge: clusterBridge,
        isGateway: true,
        ipam: {
          type: "host-local",
          dataDir,
          ranges: [[{ subnet: subnets.cluster.subnet, gateway: subnets.cluster.gateway }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  await writeFile(join(confDir, "10-cluster.conflist"), JSON.stringify(clusterConf, null, 2));
  const world: ServiceWorld = {
    dir,
    dataDir,
    confDir,
    defsDir,
    binDirs: [bin, ...CNI_BIN_DIRS],
    debugFile: join(dir, "debug.jsonl"),
    netns,
    clusterBridge,
    master,
    subnets,
    async writeNad(namespace, name, config, file = `${namespace}-${name}.yaml`) {
      const spec =
        config === undefined
          ? "spec: {}\n"
          : `spec:\n  config: '${(typeof config === "string" ? config : JSON.stringify(config)).replace(/'/g, "''")}'\n`;
      const path = join(defsDir, file);
      await writeFile(
        path,
        `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${spec}`,
      );
      return path;
    },
    async writeConf(file, config) {
      const path = join(confDir, file);
      await writeFile(path, JSON.stringify(config, null, 2));
      return path;
    },
    config: (over = {}) =>
      ({
        socketPath: join(dir, "run", "netattach.sock"),
        stateDir: join(dir, "state"),
        cniConfDir: confDir,
        definitionsDir: defsDir,
        cniBinDirs: [bin, ...CNI_BIN_DIRS],
        clusterNetwork: "cluster",
        defaultNamespace: "default",
        ...over,
      }) as DaemonConfig,
    async start(over = {}) {
      const d = await startComposedDaemon(world.config(over) as DaemonConfig & { clusterNetwork: string }, { dir });
      daemons.push(d);
      return d;
    },
    reservations: (network) => ipamReservations(dataDir, network),
    async podLinks() {
      return (await netns!.links()).map((l) => l.ifname).filter((n) => n !== "lo");
    },
    cleanup,
  };
  return world;
}

/** A ptp plugin on the world's subnet b (gateway .1), host-local keeping its reservations in the world's dataDir. */
export function ptpPlugin(w: ServiceWorld): object {
  const { subnet, gateway } = w.subnets.b;
  return { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet, gateway }]] } };
}

/** Standard secondary networks in namespace default: macvlan-conf (on the world's master bridge) and ptp-conf. */
export async function writeStandardNads(w: ServiceWorld): Promise<void> {
  await w.writeNad("default", "macvlan-conf", {
    cniVersion: "1.0.0",
    name: "macvlan-conf",
    type: "macvlan",
    master: w.master,
    mode: "bridge",
    ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.a.subnet }]] },
  });
  await w.writeNad("default", "ptp-conf", {
    cniVersion: "1.0.0",
    name: "ptp-conf",
    plugins: [ptpPlugin(w), { type: "tuning", capabilities: { mac: true } }],
  });
}

/** An AttachNetworks/ResolveNetworks request for a pod in the world's netns selecting `annotation`. */
export function podRequest(
  w: ServiceWorld,
  containerId: string,
  annotation: string,
  over: { namespace?: string; cniVersion?: string } = {},
) {
  return {
    containerId,
    netnsPath: w.netns.path,
    pod: { namespace: over.namespace ?? "default", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: { "k8s.v1.cni.cncf.io/networks": annotation } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: over.cniVersion ?? "",
  };
}
