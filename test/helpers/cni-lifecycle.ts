// The ADD → CHECK → DEL → DEL sequence every real-plugin test runs, with the checks that
// hold for all of them: the result is cached after ADD and gone after DEL, host-local keeps
// no reservation, and a second DEL succeeds (idempotent) and changes nothing.
import { expect } from "vitest";
import { CniError, type CniResult, type NetworkConfigList, type RuntimeConf } from "../../server/src/cni/index.js";
import type { CniCase } from "./cni-case.js";
import { ipamReservations } from "./host-net.js";

export interface LifecycleHooks {
  /** Assert what ADD promised (netns, host links, rules...). */
  added(result: CniResult): Promise<void>;
  /** Assert that DEL removed it; runs after the first and after the second DEL. */
  removed(result: CniResult): Promise<void>;
  /** CHECK runs when the list's version has it (≥0.4.0); default true. */
  check?: boolean;
  /**
   * Set only for a plugin whose DEL is known not to be idempotent (host-device, even upstream):
   * the second DEL must then fail with that plugin's own error, and change nothing.
   */
  secondDelFails?: { plugin: string; msg: RegExp } | undefined;
  /** A known plugin bug that makes CHECK fail (see plugin-quirks.ts): expect exactly that error. */
  checkFails?: { plugin: string; msg: RegExp } | undefined;
}

async function expectPluginFailure(
  p: Promise<void>,
  command: string,
  want: { plugin: string; msg: RegExp },
): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CniError);
  expect(err).toMatchObject({ kind: "plugin-failed", plugin: want.plugin, command });
  expect((err as CniError).msg).toMatch(want.msg);
}

export async function addCheckDel(
  c: CniCase,
  list: NetworkConfigList,
  rt: RuntimeConf,
  hooks: LifecycleHooks,
): Promise<CniResult> {
  const result = await c.runtime.addNetworkList(list, rt);
  expect(result.cniVersion).toBe(list.cniVersion);
  expect(await c.runtime.getCachedResult(list, rt)).toEqual(result);
  await hooks.added(result);

  if (hooks.check ?? true) {
    const check = c.runtime.checkNetworkList(list, rt);
    await (hooks.checkFails === undefined ? check : expectPluginFailure(check, "CHECK", hooks.checkFails));
  }

  await c.runtime.delNetworkList(list, rt);
  expect(await c.runtime.getCachedResult(list, rt)).toBeUndefined();
  expect(await ipamReservations(c.dataDir, list.name)).toEqual([]);
  await hooks.removed(result);

  const second = c.runtime.delNetworkList(list, rt);
  await (hooks.secondDelFails === undefined ? second : expectPluginFailure(second, "DEL", hooks.secondDelFails));
  expect(await ipamReservations(c.dataDir, list.name)).toEqual([]);
  await hooks.removed(result);
  return result;
}
