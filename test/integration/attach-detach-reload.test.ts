// DEL after a daemon restart: a fresh service over the same state dir deletes every delegate
// from the saved plan alone, even when the network definitions are gone.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
import type { NetworkResolver } from "../../server/src/resolve/types.js";
import { attachRequest, ctx, invocations, makeEnv, makeService, noopNetwork, staticResolver, type Env } from "./attach-helpers.js";

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});
afterEach(async () => {
  await env.cleanup();
});

const goneResolver: NetworkResolver = {
  resolve: async () => {
    throw new Error("definitions are gone: DEL must not look them up");
  },
};

describe("detach after a restart", () => {
  it("deletes every delegate in reverse from the saved plan, with the saved args and ADD results", async () => {
    const nets = [noopNetwork(env, "cluster", "net-a"), noopNetwork(env, "selected", "net-b"), noopNetwork(env, "selected", "net-c")];
    await makeService(env, staticResolver(nets)).svc.attach(attachRequest(env, "rl1"), ctx());

    const restarted = makeService(env, goneResolver).svc;
    const listed = await restarted.list({}, ctx());
    expect(listed.map((a) => [a.containerId, a.interfaces.map((i) => i.ifName)])).toEqual([["rl1", ["eth0", "net1", "net2"]]]);

    const res = await restarted.detach({ containerId: "rl1", netns: "" }, ctx());
    expect(res.removed.map((r) => r.network)).toEqual(["default/net-c", "default/net-b", "net-a"]);
    const dels = (await invocations(env, ["net-a", "net-b", "net-c"])).filter((c) => c.command === "DEL");
    expect(dels.map((c) => [c.network, c.env["CNI_IFNAME"], c.env["CNI_NETNS"], c.env["CNI_CONTAINERID"]])).toEqual([
      ["net-c", "net2", "", "rl1"],
      ["net-b", "net1", "", "rl1"],
      ["net-a", "eth0", "", "rl1"],
    ]);
    expect(dels.every((c) => String(c.env["CNI_ARGS"]).includes("K8S_POD_NAME=web"))).toBe(true);
    expect(dels.every((c) => (c.stdin["prevResult"] as { ips?: unknown[] } | undefined)?.ips?.length === 1)).toBe(true);
    expect(await readdir(join(env.stateDir, "attachments"))).toEqual([]);
    await expect(restarted.detach({ containerId: "rl1", netns: "" }, ctx())).resolves.toEqual({ removed: [] });
  });

  it("keeps a failing delegate for a retried DEL and finishes once it succeeds", async () => {
    const nets = [noopNetwork(env, "cluster", "net-a"), noopNetwork(env, "selected", "net-b", { DEL: { error: { code: 5, msg: "cannot release" } } })];
    await makeService(env, staticResolver(nets)).svc.attach(attachRequest(env, "rl2"), ctx());
    const restarted = makeService(env, goneResolver).svc;

    const err: unknown = await restarted.detach({ containerId: "rl2", netns: "" }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe("DETACH_INCOMPLETE");
    expect((err as DaemonError).message).toContain('network "default/net-b"');
    expect((err as DaemonError).message).toContain("CNI code 5");
    expect((await restarted.list({}, ctx()))[0]!.interfaces.map((i) => i.ifName)).toEqual(["net1"]);
    const order = (await invocations(env, ["net-a", "net-b"])).filter((c) => c.command === "DEL").map((c) => c.network);
    expect(order.sort()).toEqual(["net-a", "net-b"]);
  });
});
