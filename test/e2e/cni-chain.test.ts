// bridge → tuning → portmap → bandwidth with containerd-style capability args: ADD runs in
// order with each plugin building on the previous result, CHECK passes, DEL runs in reverse.
import { afterEach, beforeEach, expect, it } from "vitest";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import {
  assertChainAdded,
  assertChainRemoved,
  chainRuntimeConf,
  execOrder,
  CHAIN_PLUGINS,
} from "../helpers/cni-chain.js";
import { addCheckDel } from "../helpers/cni-lifecycle.js";
import { portmapCheckQuirk } from "../helpers/plugin-quirks.js";
import { describeRoot } from "../helpers/root.js";

describeRoot("CNI runtime × real chain bridge → tuning → portmap → bandwidth", () => {
  let c: CniCase;
  beforeEach(async () => {
    c = await createCniCase("ch");
  });
  afterEach(async () => {
    await c.cleanup();
  });

  it("ADD in order on prevResult, CHECK in order, DEL in reverse; nothing left", async () => {
    const list = await c.load("chain.conflist");
    expect(list.plugins.map((p) => p.type)).toEqual([...CHAIN_PLUGINS]);
    const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
    const quirk = await portmapCheckQuirk();
    await addCheckDel(c, list, chainRuntimeConf(c, hostPort), {
      checkFails: quirk,
      added: (result) => assertChainAdded(c, result, hostPort),
      removed: (result) => assertChainRemoved(c, result),
    });
    // CHECK runs in order and stops at the first failure (portmap's, with the known bug).
    expect(execOrder(c.events, "CHECK")).toEqual(quirk ? ["bridge", "tuning", "portmap"] : [...CHAIN_PLUGINS]);
  });
});
