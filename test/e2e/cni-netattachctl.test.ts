// `netattachctl cni` (spawned) with real plugins in a real netns: what an operator runs.
import { afterEach, beforeEach, expect, it } from "vitest";
import { cnitoolContainerId } from "../../tools/src/cni/cni-options.js";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { firstIpv4 } from "../helpers/cni-result.js";
import { ipamReservationOwner, ipamReservations } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { runNetattachctl } from "../helpers/netattachctl.js";
import { nonLoopbackLinks } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import type { CniResult } from "../../server/src/cni/index.js";

describeRoot("netattachctl cni × real plugins", () => {
  let c: CniCase;
  beforeEach(async () => {
    c = await createCniCase("ctl");
  });
  afterEach(async () => {
    await c.cleanup();
  });

  const flags = () => [...CNI_BIN_DIRS.flatMap((d) => ["--bin-dir", d]), "--cache-dir", c.cacheDir];

  it("add / check / del / del of bridge + host-local into a netns", async () => {
    const file = await c.render("bridge.conflist");
    const added = await runNetattachctl(["cni", "add", file, c.netns.path, ...flags()]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const result = JSON.parse(added.stdout) as CniResult;
    const { cidr, ip } = firstIpv4(result);
    expect(globalAddrs(await c.netns.addr("eth0"))).toEqual([cidr]);
    // cnitool's container id, so cnitool and netattachctl can clean up after each other
    expect(await ipamReservationOwner(c.dataDir, c.name, ip)).toContain(cnitoolContainerId(c.netns.path));

    expect(await runNetattachctl(["cni", "check", file, c.netns.path, ...flags()])).toMatchObject({
      code: 0,
      stdout: "",
    });
    expect(await runNetattachctl(["cni", "del", file, c.netns.path, ...flags()])).toMatchObject({
      code: 0,
      stdout: "",
    });
    expect(await nonLoopbackLinks(c.netns)).toEqual([]);
    expect(await ipamReservations(c.dataDir, c.name)).toEqual([]);
    expect(await runNetattachctl(["cni", "del", file, c.netns.path, ...flags()])).toMatchObject({
      code: 0,
      stdout: "",
    });
  });

  it("a real plugin's failure: exit 1 and its error object on stdout", async () => {
    const file = await c.render("invalid/bridge-bad-vlan.conflist");
    const r = await runNetattachctl(["cni", "add", file, c.netns.path, ...flags()]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      cniVersion: "1.0.0",
      code: 999,
      msg: "invalid VLAN ID 5000 (must be between 0 and 4094)",
    });
    expect(r.stderr).toContain('plugin "bridge"');
    expect(await nonLoopbackLinks(c.netns)).toEqual([]);
  });

  it("version of a real plugin: the Debian plugins speak up to 1.0.0", async () => {
    const r = await runNetattachctl(["cni", "version", "bridge", ...flags()]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { supportedVersions: string[] };
    expect(info.supportedVersions).toEqual(expect.arrayContaining(["0.3.1", "0.4.0", "1.0.0"]));
  });
});
