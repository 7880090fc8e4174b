// The bundled examples (deploy/examples, what `npm start` runs) load and resolve: the config
// file is valid, every example network is found as a conf and as a definition. Nothing runs.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { composeDaemon } from "../../server/src/compose-daemon.js";
import { loadConfig, type DaemonConfig } from "../../server/src/config/index.js";
import { loadDescriptorSet } from "../../server/src/grpc/descriptor-set.js";
import { createDaemonClient, type DaemonClient } from "../../tools/src/daemon-client.js";
import { createLogSink, tempDir } from "../helpers/daemon.js";
import type { Daemon } from "../../server/src/daemon.js";
import { createConfDirSource } from "../../server/src/resolve/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = join(ROOT, "deploy/examples");

let dir: string;
let config: DaemonConfig;
let daemon: Daemon;
let client: DaemonClient;

beforeAll(async () => {
  dir = await tempDir("na-examples-");
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  // The same arguments `npm start` passes, with the socket and state moved to a temp dir.
  // (after the setup step: "bash scripts/setup.sh && tsx server/src/main.ts ARGS")
  const args = (pkg.scripts.start.split(" && ").at(-1) ?? "").split(" ").slice(2);
  expect(args).toEqual(["--config", "deploy/examples/netattachd.yaml"]);
  const loaded = await loadConfig({
    argv: [...args, "--socket", join(dir, "n.sock"), "--state-dir", join(dir, "state")],
    env: {},
    cwd: ROOT,
    readFile: (p) => readFile(p, "utf8"),
  });
  if (!("config" in loaded)) throw new Error("no config");
  config = loaded.config;
  daemon = await composeDaemon({ config, log: createLogSink().log, descriptorSet: await loadDescriptorSet() });
  await daemon.start();
  client = createDaemonClient(config.socketPath);
});
afterAll(async () => {
  client?.close();
  await daemon?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("the example config points at the bundled networks, no cluster", () => {
  expect(config).toMatchObject({
    cniConfDir: join(EXAMPLES, "net.d"),
    definitionsDir: join(EXAMPLES, "definitions"),
    clusterNetwork: "netattach-example",
    kubernetes: { mode: "none" },
  });
});

it("resolves the cluster network and the macvlan, ipvlan and ptp definitions", async () => {
  const plan = await client.api.resolveNetworks({
    pod: { namespace: "default", name: "demo", uid: "" },
    annotations: { values: { "k8s.v1.cni.cncf.io/networks": "macvlan-conf,ipvlan-conf,default/ptp-conf@data0" } },
    selections: [],
    cniArgs: [],
    primaryInterface: "",
    containerId: "",
    netnsPath: "",
  });
  expect(plan.networks.map((n) => [n.network, n.interface])).toEqual([
    ["default/netattach-example", "eth0"],
    ["default/macvlan-conf", "net1"],
    ["default/ipvlan-conf", "net2"],
    ["default/ptp-conf", "data0"],
  ]);
  // The cluster network's definition has no spec.config: it falls back to the conf dir.
  expect(plan.networks[0]!.origin?.definition?.confPath).toBe(join(EXAMPLES, "net.d/10-netattach-example.conflist"));
  const types = plan.networks.map((n) =>
    (JSON.parse(n.configJson) as { plugins: Array<{ type: string }> }).plugins.map((p) => p.type),
  );
  expect(types).toEqual([["bridge", "portmap"], ["macvlan"], ["ipvlan"], ["ptp", "tuning"]]);
});

it("every example network also exists as a plain conf in net.d, with the same plugins", async () => {
  const confDir = createConfDirSource(join(EXAMPLES, "net.d"));
  for (const name of ["netattach-example", "macvlan-conf", "ipvlan-conf", "ptp-conf"]) {
    const lookup = await confDir.lookup({ namespace: "default", name });
    expect(lookup.found?.origin.kind, name).toBe("conf-file");
  }
});
