import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CniResult } from "../spec/types.js";
import { pluginFailure, sampleResult } from "./fake-plugin-exec.test-helper.js";
import { cachePath, list, RT, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("delNetworkList", () => {
  it("runs plugins in reverse order with the cached result as prevResult, then drops the cache", async () => {
    const { runtime, exec, cacheDir } = setup({
      bridge: {},
      tuning: {},
      portmap: { supportedVersions: ["0.4.0", "1.0.0"] },
    });
    const conf = list("1.1.0", [{ type: "bridge" }, { type: "tuning" }, { type: "portmap" }]);
    const added = await runtime.addNetworkList(conf, RT);
    await runtime.delNetworkList(conf, RT);
    expect(exec.trace()).toEqual([
      "ADD bridge",
      "ADD tuning",
      "ADD portmap",
      "DEL portmap",
      "DEL tuning",
      "DEL bridge",
    ]);
    const dels = exec.calls.filter((c) => c.command === "DEL");
    expect(dels[0]!.stdin).toMatchObject({ cniVersion: "1.0.0", prevResult: { ...added, cniVersion: "1.0.0" } });
    expect(dels[2]!.stdin).toMatchObject({ cniVersion: "1.1.0", prevResult: added });
    expect(dels[2]!.env).toMatchObject({
      CNI_COMMAND: "DEL",
      CNI_CONTAINERID: "ctr1",
      CNI_IFNAME: "eth0",
      CNI_NETNS: "/run/netns/ctr1",
    });
    expect(existsSync(cachePath(cacheDir))).toBe(false);
  });

  it("succeeds without a cache and with an empty netns, sending no prevResult; twice", async () => {
    const { runtime, exec, events } = setup({ bridge: {} });
    const conf = list("1.0.0", [{ type: "bridge" }]);
    await runtime.delNetworkList(conf, { ...RT, netns: "" });
    await runtime.delNetworkList(conf, { ...RT, netns: "" });
    const dels = exec.calls.filter((c) => c.command === "DEL");
    expect(dels).toHaveLength(2);
    expect(dels[0]!.stdin).not.toHaveProperty("prevResult");
    expect(dels[0]!.env.CNI_NETNS).toBe("");
    expect(events.filter((e) => e.type === "cache-corrupt")).toEqual([]);
  });

  it("treats a corrupt cache differently from a missing one: reports it, removes it, DELs without prevResult", async () => {
    const { runtime, exec, events, cacheDir } = setup({ bridge: {} });
    const path = cachePath(cacheDir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "{not json");
    await runtime.delNetworkList(list("1.0.0", [{ type: "bridge" }]), RT);
    expect(events.filter((e) => e.type === "cache-corrupt")).toEqual([
      {
        type: "cache-corrupt",
        network: "net1",
        containerId: "ctr1",
        ifName: "eth0",
        path,
        reason: expect.stringContaining("not JSON"),
      },
    ]);
    expect(exec.calls.find((c) => c.command === "DEL")!.stdin).not.toHaveProperty("prevResult");
    expect(existsSync(path)).toBe(false);
  });

  it("keeps the cache when a plugin's DEL fails, and stops there", async () => {
    const { runtime, exec, cacheDir } = setup({
      bridge: {},
      portmap: {
        reply: (c) =>
          c.command === "DEL" ? { error: pluginFailure("portmap", "DEL", 11, "iptables locked") } : undefined,
      },
    });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "portmap" }]);
    await runtime.addNetworkList(conf, RT);
    await expect(runtime.delNetworkList(conf, RT)).rejects.toMatchObject({
      code: 11,
      plugin: "portmap",
      command: "DEL",
      network: "net1",
    });
    expect(exec.trace()).toEqual(["ADD bridge", "ADD portmap", "DEL portmap"]);
    expect(existsSync(cachePath(cacheDir))).toBe(true);
  });

  it("with keepGoing runs the DELs before a failing one, then throws the first failure and keeps the cache", async () => {
    const failsDel = (type: string, code: number) => ({
      reply: (c: { command: string }) =>
        c.command === "DEL" ? { error: pluginFailure(type, "DEL", code, `${type} broke`) } : undefined,
    });
    const { runtime, exec, cacheDir } = setup({
      bridge: {},
      tuning: failsDel("tuning", 7),
      portmap: failsDel("portmap", 999),
    });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "tuning" }, { type: "portmap" }]);
    await runtime.addNetworkList(conf, RT);
    await expect(runtime.delNetworkList(conf, RT, { keepGoing: true })).rejects.toMatchObject({
      code: 999,
      plugin: "portmap",
      command: "DEL",
      network: "net1",
    });
    expect(exec.trace().slice(3)).toEqual(["DEL portmap", "DEL tuning", "DEL bridge"]);
    expect(existsSync(cachePath(cacheDir))).toBe(true);
  });

  it("with timeLeftMs each run's timeout is cut to what is left, and with nothing left a run does not start", async () => {
    const { runtime, exec } = setup({ bridge: {}, portmap: {} });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "portmap" }]);
    await runtime.addNetworkList(conf, RT);
    const left = [1234.5, 0];
    await expect(
      runtime.delNetworkList(conf, RT, { keepGoing: true, timeLeftMs: () => left.shift() ?? 0 }),
    ).rejects.toMatchObject({
      kind: "timeout",
      code: 11,
      plugin: "bridge",
      command: "DEL",
      msg: 'plugin "bridge" DEL was not started: no time was left before the call\'s deadline',
    });
    const dels = exec.calls.filter((c) => c.command === "DEL");
    expect(dels.map((c) => [c.pluginType, c.timeoutMs])).toEqual([["portmap", 1234]]);
    // More left than the per-run deadline (5000 ms): the per-run deadline.
    await runtime.addNetworkList(conf, RT);
    await runtime.delNetworkList(conf, RT, { timeLeftMs: () => 60_000 });
    expect(exec.calls.filter((c) => c.command === "DEL").map((c) => c.timeoutMs)).toEqual([1234, 5000, 5000]);
  });

  it("timeLeftMs is asked with the runs still to come after each: its list's earlier plugins (a VERSION wait: its own run too)", async () => {
    const { runtime } = setup({ bridge: {}, tuning: {}, portmap: {} });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "tuning" }, { type: "portmap" }]);
    await runtime.addNetworkList(conf, RT);
    // keepGoing resolves each plugin just before its DEL; none is cached yet here: a restart.
    const fresh = setup({ bridge: {}, tuning: {}, portmap: {} });
    for (const [r, keepGoing] of [
      [fresh.runtime, true],
      [runtime, false],
    ] as const) {
      const asked: number[] = [];
      await r.delNetworkList(conf, RT, {
        keepGoing,
        timeLeftMs: (after) => {
          asked.push(after);
          return 60_000;
        },
      });
      // Without keepGoing every VERSION is known from the ADD: only the DELs ask.
      expect(asked).toEqual(keepGoing ? [3, 2, 2, 1, 1, 0] : [2, 1, 0]);
    }
  });

  it("with timeLeftMs the wait for a plugin's VERSION (none cached: a restart) is cut to what is left too", async () => {
    const { runtime, exec } = setup({ bridge: {}, portmap: {}, tuning: {} });
    // bridge hangs on VERSION until its run's timeout (5000 ms), as a hung plugin does.
    const reply = exec.exec.bind(exec);
    exec.exec = (req) =>
      req.command === "VERSION" && req.pluginType === "bridge"
        ? new Promise((_, reject) => setTimeout(() => reject(new Error("killed")), req.timeoutMs).unref())
        : reply(req);
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "portmap" }]);
    const started = performance.now();
    await expect(runtime.delNetworkList(conf, RT, { keepGoing: true, timeLeftMs: () => 150 })).rejects.toMatchObject({
      kind: "timeout",
      code: 11,
      plugin: "bridge",
      command: "VERSION",
      network: "net1",
      msg: 'plugin "bridge" VERSION gave no answer in the 150 ms left before the call\'s deadline',
    });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(exec.trace()).toEqual(["DEL portmap"]);
    // Nothing left: the probe does not start either.
    await expect(
      runtime.delNetworkList(list("1.0.0", [{ type: "tuning" }]), RT, { keepGoing: true, timeLeftMs: () => 0 }),
    ).rejects.toMatchObject({
      kind: "timeout",
      command: "VERSION",
      msg: 'plugin "tuning" VERSION was not started: no time was left before the call\'s deadline',
    });
    expect(exec.calls.filter((c) => c.pluginType === "tuning")).toEqual([]);
  });

  it("with keepGoing a plugin whose binary is gone fails alone: the others still get their DEL", async () => {
    const { runtime, exec, cacheDir } = setup({ bridge: {}, tuning: {} });
    const conf = list("1.0.0", [{ type: "bridge" }, { type: "gone" }, { type: "tuning" }]);
    await expect(runtime.delNetworkList(conf, RT, { keepGoing: true })).rejects.toMatchObject({
      kind: "plugin-not-found",
      plugin: "gone",
    });
    expect(exec.trace()).toEqual(["DEL tuning", "DEL bridge"]);
    // Without keepGoing nothing runs (libcni finds every plugin first).
    await expect(runtime.delNetworkList(conf, RT)).rejects.toMatchObject({ kind: "plugin-not-found" });
    expect(exec.trace()).toEqual(["DEL tuning", "DEL bridge"]);
    expect(existsSync(cachePath(cacheDir))).toBe(false);
  });

  it("sends no prevResult below 0.4.0 even when a result is cached", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("0.3.1", [{ type: "bridge" }]);
    await runtime.addNetworkList(conf, RT);
    await runtime.delNetworkList(conf, RT);
    expect(exec.calls.find((c) => c.command === "DEL")!.stdin).not.toHaveProperty("prevResult");
  });

  it("uses the cached result converted to the list's version", async () => {
    const { runtime, exec, cacheDir } = setup({ bridge: {} });
    const path = cachePath(cacheDir);
    mkdirSync(dirname(path), { recursive: true });
    const record = {
      kind: "netattachCacheV1",
      containerId: "ctr1",
      ifName: "eth0",
      networkName: "net1",
      netns: "/x",
      config: {},
      cniArgs: [],
      capabilityArgs: {},
      result: sampleResult("0.4.0"),
    };
    writeFileSync(path, JSON.stringify(record));
    await runtime.delNetworkList(list("1.0.0", [{ type: "bridge" }]), RT);
    const prev = exec.calls.find((c) => c.command === "DEL")!.stdin.prevResult as { cniVersion: string; ips: object[] };
    expect(prev.cniVersion).toBe("1.0.0");
    expect(prev.ips[0]).not.toHaveProperty("version");
  });

  it("sends the caller's prevResult when the cache holds none, converted; a cached result wins", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    const conf = list("1.0.0", [{ type: "bridge" }]);
    await runtime.delNetworkList(conf, RT, { prevResult: sampleResult("0.4.0") as CniResult });
    const prev = exec.calls.find((c) => c.command === "DEL")!.stdin.prevResult as { cniVersion: string };
    expect(prev.cniVersion).toBe("1.0.0");
    const added = await runtime.addNetworkList(conf, RT);
    await runtime.delNetworkList(conf, RT, { prevResult: { cniVersion: "1.0.0", ips: [] } });
    expect(exec.calls.filter((c) => c.command === "DEL")[1]!.stdin.prevResult).toEqual(added);
  });

  it("goes on without prevResult when the caller's cannot be converted", async () => {
    const { runtime, exec } = setup({ bridge: {} });
    await runtime.delNetworkList(list("1.0.0", [{ type: "bridge" }]), RT, {
      prevResult: { cniVersion: "9.9.9" } as CniResult,
    });
    expect(exec.calls.find((c) => c.command === "DEL")!.stdin).not.toHaveProperty("prevResult");
  });
});
