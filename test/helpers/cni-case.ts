// One isolated world for a root e2e test of the CNI runtime: a fresh netns, a temp dir
// (host-local dataDir, result cache, test-double plugins), unique network/bridge names and
// subnet, and a runtime on the real plugins. cleanup() DELs every ADD made through the case's
// runtime and removes the rest, even after a failure.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCniRuntime,
  createSpawnExec,
  loadNetworkConfigFile,
  type CniRuntime,
  type NetworkConfigList,
  type RuntimeConf,
  type RuntimeEvent,
} from "../../server/src/cni/index.js";
import { CNI_BIN_DIRS } from "./cni-bin.js";
import { deleteHostLinks } from "./host-net.js";
import { createNetns, uniqueName, type Netns } from "./netns.js";
import { randomSubnet, renderNetconf, type NetconfVars, type TestSubnet } from "./netconf-fixture.js";

export interface CniCase {
  readonly dir: string;
  readonly dataDir: string;
  readonly cacheDir: string;
  /** First bin dir: test doubles written with writePlugin() shadow nothing real. */
  readonly binDir: string;
  readonly binDirs: readonly string[];
  readonly netns: Netns;
  readonly subnet: TestSubnet;
  readonly name: string;
  readonly bridge: string;
  readonly containerId: string;
  readonly vars: NetconfVars;
  readonly runtime: CniRuntime;
  readonly events: RuntimeEvent[];
  /** Render a fixture with this case's vars (+ extra) and load it through the runtime's loader. */
  load(fixture: string, extra?: NetconfVars): Promise<NetworkConfigList>;
  render(fixture: string, extra?: NetconfVars): Promise<string>;
  rt(over?: Partial<RuntimeConf>): RuntimeConf;
  /** Delete this host link on cleanup (bridges, veths, macvlan masters). */
  trackHostLink(name: string): void;
  /** An executable test double in binDir. */
  writePlugin(type: string, script: string): Promise<string>;
  cleanup(): Promise<void>;
}

export interface CniCaseOptions {
  readonly cniVersion?: string;
  readonly pluginTimeoutMs?: number;
}

export async function createCniCase(area: string, opts: CniCaseOptions = {}): Promise<CniCase> {
  const dir = await mkdtemp(join(tmpdir(), `netattach-h3-${area}-`));
  const [dataDir, cacheDir, binDir, confDir] = ["ipam", "cache", "bin", "conf"].map((d) => join(dir, d)) as [
    string,
    string,
    string,
    string,
  ];
  await Promise.all([dataDir, cacheDir, binDir, confDir].map((d) => mkdir(d, { recursive: true })));
  const netns = await createNetns(`h3-${area}-`);
  const subnet = randomSubnet();
  const suffix = randomBytes(4).toString("hex");
  const name = `h3-${area}-${suffix}`;
  const bridge = uniqueName("h3b");
  const containerId = `h3-${area}-${suffix}`;
  const hostLinks = new Set<string>([bridge]);
  const events: RuntimeEvent[] = [];
  const binDirs = [binDir, ...CNI_BIN_DIRS];
  const vars: NetconfVars = {
    CNI_VERSION: opts.cniVersion ?? "1.0.0",
    NAME: name,
    BRIDGE: bridge,
    DATA_DIR: dataDir,
    SUBNET: subnet.subnet,
    GATEWAY: subnet.gateway,
    STATIC_ADDR: subnet.staticAddr,
  };
  const base = createCniRuntime({
    exec: createSpawnExec(),
    binDirs,
    cacheDir,
    pluginTimeoutMs: opts.pluginTimeoutMs ?? 30_000,
    onEvent: (e) => void events.push(e),
  });
  // Every ADD is remembered so cleanup can DEL it even when the test failed half-way:
  // host-wide state (iptables rules, ifb devices) does not vanish with the netns.
  const added: Array<[NetworkConfigList, RuntimeConf]> = [];
  const runtime: CniRuntime = {
    ...base,
    addNetworkList: (list, rt, o) => {
      added.push([list, rt]);
      return base.addNetworkList(list, rt, o);
    },
  };
  const render = (fixture: string, extra: NetconfVars = {}) => renderNetconf(fixture, { ...vars, ...extra }, confDir);

  return {
    dir,
    dataDir,
    cacheDir,
    binDir,
    binDirs,
    netns,
    subnet,
    name,
    bridge,
    containerId,
    vars,
    runtime,
    events,
    render,
    load: async (fixture, extra) => loadNetworkConfigFile(await render(fixture, extra)),
    rt: (over = {}) => ({ containerId, netns: netns.path, ifName: "eth0", ...over }),
    trackHostLink: (link) => void hostLinks.add(link),
    writePlugin: async (type, script) => {
      const path = join(binDir, type);
      await writeFile(path, script);
      await chmod(path, 0o755);
      return path;
    },
    cleanup: async () => {
      for (const [list, rt] of added.reverse()) await base.delNetworkList(list, rt).catch(() => undefined);
      await netns.delete();
      await deleteHostLinks(...hostLinks);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
