// One "node" for the containerd e2e tests and benchmarks: a private containerd whose CNI
// conf dir holds only what `netattachctl install` wrote plus a bridge primary, the real
// netattachd serving two extra networks (a bridge and a ptp, as definitions), and private
// bridges, IPAM and state dirs. The cluster network is bridge + portmap.
// `dispose()` removes every piece.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { runCli } from "../../../tools/src/cli.js";
import { CNI_BIN_DIRS } from "../cni-bin.js";
import { makeCniBinDir } from "./cni-dirs.js";
import { startContainerd, type ContainerdHarness } from "./containerd-harness.js";
import {
  startNetattachd,
  type NetattachdConfig,
  type NetattachdLaunch,
  type NetattachdProcess,
} from "./netattachd-process.js";

export interface NetattachNode {
  readonly dir: string;
  readonly containerd: ContainerdHarness;
  readonly socketPath: string;
  readonly confDir: string;
  readonly binDir: string;
  readonly ipamDir: string;
  readonly stateDir: string;
  /** Names: the cluster network (conf file) and the two definitions in namespace default. */
  readonly net: { cluster: string; a: string; b: string };
  readonly bridges: { cluster: string; a: string };
  readonly subnets: { cluster: string; a: string; b: string };
  daemon: NetattachdProcess | undefined;
  /** `netattachctl install` (or `--uninstall`) into this node's CNI dirs. */
  netattachctl(...extra: string[]): Promise<string>;
  startDaemon(extra?: Partial<NetattachdConfig>, launch?: NetattachdLaunch): Promise<NetattachdProcess>;
  stopDaemon(): Promise<void>;
  dispose(): Promise<void>;
}

export interface NodeOptions {
  tag: string;
  shim: string;
  /** How long the shim's ADD waits for the daemon (the installed conflist's value). */
  readinessTimeoutMs?: number;
  /** Second octet of the 10.x.0.0/16 the node's subnets come from (keep tests apart). */
  octet: number;
  /** Install the shim (default) or leave the conf dir with the bridge alone (baseline). */
  withNetattach?: boolean;
}

function bridgeConf(
  name: string,
  bridge: string,
  subnet: string,
  ipamDir: string,
  type = "bridge",
  portmap = false,
): object {
  const ipam = { type: "host-local", ranges: [[{ subnet }]], dataDir: ipamDir };
  return {
    cniVersion: "1.0.0",
    name,
    plugins: [
      type === "bridge"
        ? { type, bridge, isGateway: true, ipMasq: false, ipam }
        : { type, ipam: { ...ipam, routes: [] } },
      ...(portmap ? [{ type: "portmap", capabilities: { portMappings: true } }] : []),
    ],
  };
}

function definition(name: string, config: object): string {
  return JSON.stringify({
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name, namespace: "default" },
    spec: { config: JSON.stringify(config) },
  });
}

export async function createNetattachNode(o: NodeOptions): Promise<NetattachNode> {
  const dir = await mkdtemp(join(tmpdir(), `na-node-${o.tag}-`));
  const rand = randomBytes(2).toString("hex");
  const confDir = join(dir, "net.d");
  const defsDir = join(dir, "definitions");
  const ipamDir = join(dir, "ipam");
  const stateDir = join(dir, "state");
  const socketPath = join(dir, "na.sock");
  for (const d of [confDir, defsDir, ipamDir, stateDir]) await mkdir(d, { recursive: true });
  const binDir = await makeCniBinDir(join(dir, "bin"));
  const net = { cluster: `${o.tag}-cluster`, a: `${o.tag}-a`, b: `${o.tag}-b` };
  const bridges = { cluster: `na${o.tag}c${rand}`.slice(0, 15), a: `na${o.tag}a${rand}`.slice(0, 15) };
  const subnets = { cluster: `10.${o.octet}.0.0/24`, a: `10.${o.octet}.1.0/24`, b: `10.${o.octet}.2.0/24` };

  await writeFile(
    join(confDir, `10-${net.cluster}.conflist`),
    JSON.stringify(bridgeConf(net.cluster, bridges.cluster, subnets.cluster, ipamDir, "bridge", true), null, 2),
  );
  await writeFile(join(defsDir, `${net.a}.json`), definition(net.a, bridgeConf(net.a, bridges.a, subnets.a, ipamDir)));
  await writeFile(join(defsDir, `${net.b}.json`), definition(net.b, bridgeConf(net.b, "", subnets.b, ipamDir, "ptp")));
  const netattachctl = async (...extra: string[]): Promise<string> => {
    let out = "";
    const code = await runCli({
      argv: [
        "install",
        "--shim",
        o.shim,
        "--bin-dir",
        binDir,
        "--conf-dir",
        confDir,
        "--socket",
        socketPath,
        "--readiness-timeout-ms",
        String(o.readinessTimeoutMs ?? 30_000),
        // --uninstall looks at this node's saved attachments, never the machine's own stateDir.
        "--state-dir",
        stateDir,
        ...extra,
      ],
      env: {},
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (out += s) },
      cwd: dir,
    });
    if (code !== 0) throw new Error(`netattachctl install ${extra.join(" ")} failed: ${out}`);
    return out;
  };
  if (o.withNetattach !== false) await netattachctl();

  const containerd = await startContainerd({ tag: o.tag, cniBinDir: binDir, cniConfDir: confDir });
  const node: NetattachNode = {
    dir,
    containerd,
    socketPath,
    confDir,
    binDir,
    ipamDir,
    stateDir,
    net,
    netattachctl,
    bridges,
    subnets,
    daemon: undefined,
    async startDaemon(extra = {}, launch = {}) {
      const config = {
        socketPath,
        stateDir,
        cniConfDir: confDir,
        definitionsDir: defsDir,
        clusterNetwork: net.cluster,
        cniBinDirs: CNI_BIN_DIRS,
        ...extra,
      };
      node.daemon = await startNetattachd(join(dir), config, undefined, launch);
      return node.daemon;
    },
    async stopDaemon() {
      await node.daemon?.stop();
      node.daemon = undefined;
    },
    async dispose() {
      // containerd first (its graceful stop DELs every pod through the shim, so the daemon
      // must be up for that), then the daemon.
      if (o.withNetattach !== false && node.daemon === undefined) await node.startDaemon().catch(() => undefined);
      await containerd.stop().catch(() => undefined);
      await node.stopDaemon().catch(() => undefined);
      for (const br of Object.values(bridges)) await execa("ip", ["link", "del", br], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await containerd.waitNetworkReady();
  } catch (err) {
    await node.dispose();
    throw err;
  }
  return node;
}
