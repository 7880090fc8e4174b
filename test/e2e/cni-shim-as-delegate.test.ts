// netattach's own shim copied under another name (not a symlink: neither the type nor the binary's
// name gives it away) and named by a definition, as a plugin of its chain or as its IPAM plugin.
// netattachd runs it with its plugin-run mark, the shim refuses at once instead of calling the
// daemon back (which would wait for the pod's lock until the plugin timeout), and the daemon
// answers INVALID_NETWORK_CONFIG naming the network and plugin: the ADD is rolled back, leaving no
// link, no IPAM reservation, no saved attachment. Through the real shim too, as containerd runs it.
import { chmod, copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stateLayout } from "../../server/src/config/daemon-config.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { buildShim, containerdEnv, runShimBinary, shimConf } from "../helpers/containerd/shim-binary.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
import { createServiceWorld, podRequest, type ServiceWorld } from "../helpers/service-world.js";

/** Files (not directories) under `dir`, none when it does not exist. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Far above what a refusal takes: without it, the ADD waits out this deadline. */
const PLUGIN_TIMEOUT_MS = 30_000;

describeRoot("netattach-cni copied under another name and named as a delegate", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  let shim: string;
  let copy: string;

  beforeAll(async () => {
    shim = await buildShim();
    w = await createServiceWorld("selfcp");
    copy = join(w.binDirs[0]!, "vendor-net");
    await copyFile(shim, copy);
    await chmod(copy, 0o755);
    const socketPath = w.config().socketPath;
    const macvlan = (ipam: object) => ({ type: "macvlan", master: w.master, mode: "bridge", ipam });
    const hostLocal = { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.a.subnet }]] };
    await w.writeNad("default", "copy-plugin", {
      cniVersion: "1.0.0",
      name: "copy-plugin",
      plugins: [macvlan(hostLocal), { type: "vendor-net", socketPath }],
    });
    await w.writeNad("default", "copy-ipam", {
      cniVersion: "1.0.0",
      name: "copy-ipam",
      ...macvlan({ type: "vendor-net", socketPath }),
    });
    d = await w.start({ pluginTimeoutMs: PLUGIN_TIMEOUT_MS });
  }, 180_000);

  afterAll(async () => {
    await w?.cleanup();
  });

  async function expectNothingLeft(containerId: string): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
    expect((await d.client.api.listAttachments({ containerId })).attachments).toEqual([]);
    const state = stateLayout(w.config());
    for (const dir of [state.attachmentsDir, state.orphansDir, state.cacheDir])
      expect(await files(dir), dir).toEqual([]);
  }

  it.each([
    ["as a plugin of the chain", "copy-plugin", "vendor-net"],
    ["as the IPAM plugin", "copy-ipam", "macvlan"],
  ])(
    "%s: INVALID_NETWORK_CONFIG naming network and plugin within seconds; nothing is left",
    async (_, network, plugin) => {
      const cid = `selfcp${Math.random().toString(16).slice(2, 10)}`;
      const started = Date.now();
      const f = await failure(d.client.api.attachNetworks(podRequest(w, cid, `default/${network}`)));
      expect(Date.now() - started).toBeLessThan(PLUGIN_TIMEOUT_MS / 3);
      expect(f.code).toBe("INVALID_ARGUMENT");
      expect(f.info.reason).toBe("INVALID_NETWORK_CONFIG");
      expect(f.info.metadata).toMatchObject({ network: `default/${network}`, plugin, phase: "add", cniCode: "7" });
      for (const text of [
        `network "default/${network}"`,
        `plugin "${plugin}" is, or runs, a copy of netattach-cni under another name, netattach's own CNI shim: netattachd would call itself`,
        `(the shim said: netattach-cni (${copy}) was run by netattachd as a delegate plugin for ADD)`,
      ])
        expect(f.message).toContain(text);
      await expectNothingLeft(cid);
      await expect(d.client.api.detachNetworks({ containerId: cid, netnsPath: w.netns.path })).resolves.toEqual({
        removed: [],
        orphaned: [],
      });
    },
  );

  it("the runtime's ADD through the shim gets CNI code 7 naming the network, within seconds", async () => {
    const cid = `selfcp${Math.random().toString(16).slice(2, 10)}`;
    const env = containerdEnv("ADD", {
      containerId: cid,
      netns: w.netns.path,
      args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-${cid};K8S_POD_UID=uid-${cid};IgnoreUnknown=1`,
    });
    const conf = shimConf(w.config().socketPath, {
      runtimeConfig: { "io.kubernetes.cri.pod-annotations": { "k8s.v1.cni.cncf.io/networks": "default/copy-plugin" } },
    });
    const started = Date.now();
    const r = await runShimBinary(shim, env, JSON.stringify(conf));
    expect(Date.now() - started).toBeLessThan(PLUGIN_TIMEOUT_MS / 3);
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { code: number; msg: string; details: string };
    expect(out.code).toBe(7);
    expect(out.msg).toContain(`network "default/copy-plugin"`);
    expect(out.details).toContain("reason=INVALID_NETWORK_CONFIG network=default/copy-plugin plugin=vendor-net");
    await expectNothingLeft(cid);
  });
});
