// Failures with real plugins: a hanging plugin is killed at the deadline, a failing plugin's
// own code and message come back, a missing plugin and a malformed configuration are named.
// After the caller's DEL (the spec's rule after a failed ADD) nothing is left behind.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  CniError,
  loadNetworkConfigFile,
  type NetworkConfigList,
  type RuntimeConf,
} from "../../server/src/cni/index.js";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import { hostLinksWithMaster, ipamReservations } from "../helpers/host-net.js";
import { nonLoopbackLinks } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";

const VERSION_ANSWER = `{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}`;

/** Hangs on ADD with a child process (both pids to pidFile); instant success otherwise. */
function sleepPlugin(pidFile: string): string {
  return `#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
  ADD) sleep 300 & echo "$$ $!" > '${pidFile}'; wait ;;
  VERSION) echo '${VERSION_ANSWER}' ;;
esac
exit 0
`;
}

/** Fails ADD with its own code (142), details and stderr; DEL succeeds. */
const FAIL_PLUGIN = `#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
  ADD) echo "h3-fail: refusing on purpose" >&2
       echo '{"cniVersion":"1.0.0","code":142,"msg":"h3-fail refuses","details":"plugin-specific detail"}'; exit 1 ;;
  VERSION) echo '${VERSION_ANSWER}' ;;
esac
exit 0
`;

async function rejection(p: Promise<unknown>): Promise<CniError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  return err as CniError;
}

/** Running (not gone, not a zombie waiting to be reaped). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** SIGKILL is delivered asynchronously: give the kernel a moment, then report. */
async function runningAfterKill(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && (await running(pid)); i++) await sleep(20);
  return running(pid);
}

describeRoot("CNI runtime × failures with real plugins", () => {
  let c: CniCase;
  beforeEach(async () => {
    c = await createCniCase("fl", { pluginTimeoutMs: 1500 });
  });
  afterEach(async () => {
    await c.cleanup();
  });

  async function assertNothingLeft(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    expect(await nonLoopbackLinks(c.netns)).toEqual([]);
    expect(await hostLinksWithMaster(c.bridge)).toEqual([]);
    expect(await ipamReservations(c.dataDir, c.name)).toEqual([]);
    expect(await c.runtime.getCachedResult(list, rt)).toBeUndefined();
  }

  it("a hanging plugin after bridge is killed at the deadline (with its child); DEL rolls bridge back", async () => {
    const pidFile = join(c.dir, "sleep.pids");
    await c.writePlugin("h3-sleep", sleepPlugin(pidFile));
    const list = await c.load("bridge-sleep.conflist", { SLEEP_TYPE: "h3-sleep" });
    const rt = c.rt();
    const err = await rejection(c.runtime.addNetworkList(list, rt));
    expect(err).toMatchObject({ kind: "timeout", plugin: "h3-sleep", network: c.name, command: "ADD" });
    expect(err.message).toContain('plugin "h3-sleep"');
    const pids = (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await runningAfterKill(pid), `pid ${pid} still running`).toBe(false);
    // bridge's ADD succeeded before the hang: its veth and IP exist until the caller's DEL.
    expect(await ipamReservations(c.dataDir, c.name)).toHaveLength(1);
    await c.runtime.delNetworkList(list, rt);
    await assertNothingLeft(list, rt);
  });

  it("a plugin's own error code, message, details and stderr come back; DEL rolls bridge back", async () => {
    await c.writePlugin("h3-fail", FAIL_PLUGIN);
    const list = await c.load("bridge-sleep.conflist", { SLEEP_TYPE: "h3-fail" });
    const rt = c.rt();
    const err = await rejection(c.runtime.addNetworkList(list, rt));
    expect(err).toMatchObject({
      kind: "plugin-failed",
      plugin: "h3-fail",
      network: c.name,
      command: "ADD",
      code: 142,
      msg: "h3-fail refuses",
      details: "plugin-specific detail",
    });
    expect(err.stderr).toContain("h3-fail: refusing on purpose");
    expect(err.toSpecJSON(list.cniVersion)).toEqual({
      cniVersion: list.cniVersion,
      code: 142,
      msg: "h3-fail refuses",
      details: "plugin-specific detail",
    });
    await c.runtime.delNetworkList(list, rt);
    await assertNothingLeft(list, rt);
  });

  it("bridge rejecting its config: the real plugin's code and message, nothing created", async () => {
    const list = await c.load("invalid/bridge-bad-vlan.conflist");
    const rt = c.rt();
    const err = await rejection(c.runtime.addNetworkList(list, rt));
    expect(err).toMatchObject({
      kind: "plugin-failed",
      plugin: "bridge",
      network: c.name,
      code: 999,
      msg: "invalid VLAN ID 5000 (must be between 0 and 4094)",
    });
    await assertNothingLeft(list, rt);
  });

  it("static IPAM with a bad address: the delegate's message through bridge; DEL removes the half-made veth", async () => {
    const list = await c.load("invalid/bridge-static-bad-address.conflist");
    const rt = c.rt();
    const err = await rejection(c.runtime.addNetworkList(list, rt));
    expect(err).toMatchObject({ kind: "plugin-failed", plugin: "bridge", code: 999 });
    expect(err.msg).toContain("10.0.0.300/24");
    await c.runtime.delNetworkList(list, rt);
    await assertNothingLeft(list, rt);
  });

  it("a missing plugin is named with the directories searched", async () => {
    const list = await c.load("invalid/missing-plugin.conflist");
    const rt = c.rt();
    const err = await rejection(c.runtime.addNetworkList(list, rt));
    expect(err).toMatchObject({ kind: "plugin-not-found", plugin: "netattach-no-such-plugin", network: c.name });
    expect(err.message).toContain("netattach-no-such-plugin");
    for (const dir of c.binDirs) expect(err.message).toContain(dir);
    await assertNothingLeft(list, rt);
  });

  it("a plugin type with a path is rejected before anything runs", async () => {
    const list = await c.load("invalid/bad-type.conflist");
    const err = await rejection(c.runtime.addNetworkList(list, c.rt()));
    expect(err).toMatchObject({ kind: "plugin-type-invalid", plugin: "../bridge" });
    await assertNothingLeft(list, c.rt());
  });

  it.each([
    ["malformed.conflist", 6],
    ["no-type.conflist", 7],
    ["no-plugins.conflist", 7],
    ["bad-name.conflist", 7],
  ])("invalid/%s is rejected at load with code %i, naming the file", async (fixture, code) => {
    const path = await c.render(`invalid/${fixture}`);
    const err = await rejection(loadNetworkConfigFile(path));
    expect(err.kind).toBe("invalid-config");
    expect(err.code).toBe(code);
    expect(err.source).toBe(path);
    expect(err.message).toContain(path);
    expect(await nonLoopbackLinks(c.netns)).toEqual([]);
  });
});
