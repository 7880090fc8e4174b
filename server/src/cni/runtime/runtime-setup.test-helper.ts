// Shared setup for the runtime unit tests: a runtime over a fake exec and a temp cache dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import type { CniRuntime, RuntimeEvent } from "./types.js";
import { parseNetworkConfigList } from "../conf/parse-network-config-list.js";
import { createCniRuntime } from "./cni-runtime.js";
import { createFakePluginExec, type FakePlugin, type FakePluginExec } from "./fake-plugin-exec.test-helper.js";

export interface Setup {
  readonly runtime: CniRuntime;
  readonly exec: FakePluginExec;
  readonly events: RuntimeEvent[];
  readonly cacheDir: string;
}

const dirs: string[] = [];
/** Remove the cache dirs of every setup() so far: call from afterEach. */
export function cleanupSetups(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function setup(
  plugins: Readonly<Record<string, FakePlugin>>,
  opts: { negotiateVersions?: boolean } = {},
): Setup {
  const cacheDir = mkdtempSync(join(tmpdir(), "cni-rt-"));
  dirs.push(cacheDir);
  const exec = createFakePluginExec(plugins);
  const events: RuntimeEvent[] = [];
  let clock = 0;
  const runtime = createCniRuntime({
    exec,
    binDirs: ["/fake/bin", "/other/bin"],
    cacheDir,
    pluginTimeoutMs: 5000,
    path: "/usr/bin:/bin",
    onEvent: (e) => events.push(e),
    now: () => (clock += 2),
    ...opts,
  });
  return { runtime, exec, events, cacheDir };
}

export function list(cniVersion: string, plugins: JsonObject[], extra: JsonObject = {}): NetworkConfigList {
  return parseNetworkConfigList({ cniVersion, name: "net1", plugins, ...extra }, "/etc/cni/net.d/10-net1.conflist");
}

export const RT: RuntimeConf = { containerId: "ctr1", netns: "/run/netns/ctr1", ifName: "eth0" };

export function cachePath(cacheDir: string, rt: RuntimeConf = RT, net = "net1"): string {
  return join(cacheDir, "results", `${net}-${rt.containerId}-${rt.ifName}`);
}
