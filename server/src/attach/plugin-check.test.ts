import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan } from "./plan.js";
import { createPluginFinder, verifyPlugins } from "./plugin-check.js";
import { conf, network, request, rejection } from "./testing.test-helper.js";

const bin = mkdtempSync(join(tmpdir(), "na-bin-"));
writeFileSync(join(bin, "netattach-cni"), "#!/bin/sh\n", { mode: 0o755 });
writeFileSync(join(bin, "macvlan"), "#!/bin/sh\n", { mode: 0o755 });
symlinkSync(join(bin, "netattach-cni"), join(bin, "mynet"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const finder = createPluginFinder({ findInPath: async (type) => join(bin, type) }, [bin]);

describe("verifyPlugins and netattach's own shim", () => {
  it("refuses a plugin type whose binary is the shim behind a symlink, naming the network and the binary", async () => {
    const plan = buildPlan(request(), [network("selected", "default/mine", conf("mine", "mynet"))]);
    const err = await rejection(verifyPlugins(plan, finder));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.context).toMatchObject({ network: "default/mine", phase: "plan" });
    expect(err.message).toContain(`network "default/mine" (`);
    expect(err.message).toContain(
      `: plugin "mynet" is ${join(bin, "netattach-cni")}, netattach's own CNI shim: netattachd would call itself`,
    );
  });

  it("passes other binaries", async () => {
    const plan = buildPlan(request(), [network("selected", "default/mv", conf("mv", "macvlan"))]);
    await expect(verifyPlugins(plan, finder)).resolves.toBeUndefined();
  });
});
