// DEL after a daemon restart: a fresh service over the same state dir deletes every delegate
// from the saved plan alone, even when the network definitions are gone.
import { readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NetworkResolver } from "../../server/src/resolve/index.js";
import { NOOP_PLUGIN } from "../fixtures/plugins/plugin-bin.js";
import {
  attachRequest,
  ctx,
  invocations,
  makeEnv,
  makeService,
  noopNetwork,
  staticResolver,
  type Env,
} from "./attach-helpers.js";

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});
afterEach(async () => {
  await env.cleanup();
});

const gone = async (): Promise<never> => {
  throw new Error("definitions are gone: DEL must not look them up");
};
const goneResolver: NetworkResolver = { resolve: gone, resolveClusterNetwork: gone, resolveSelection: gone };

describe("detach after a restart", () => {
  it("deletes every delegate in reverse from the saved plan, with the saved args and ADD results", async () => {
    const nets = [
      noopNetwork(env, "cluster", "net-a"),
      noopNetwork(env, "selected", "net-b"),
      noopNetwork(env, "selected", "net-c"),
    ];
    await makeService(env, staticResolver(nets)).svc.attach(attachRequest(env, "rl1"), ctx());

    const restarted = makeService(env, goneResolver).svc;
    const listed = (await restarted.list({}, ctx())).attachments;
    expect(listed.map((a) => [a.containerId, a.interfaces.map((i) => i.ifName)])).toEqual([
      ["rl1", ["eth0", "net1", "net2"]],
    ]);

    // The runtime's "" is only its belief: the saved namespace still exists, so plugins enter it (pinned).
    const res = await restarted.detach({ containerId: "rl1", netns: "" }, ctx());
    expect(res.removed.map((r) => r.network)).toEqual(["default/net-c", "default/net-b", "net-a"]);
    const dels = (await invocations(env, ["net-a", "net-b", "net-c"])).filter((c) => c.command === "DEL");
    // The secondaries concurrently (their order among themselves is not fixed), the cluster network last.
    const delRows = dels.map((c) => [c.network, c.env["CNI_IFNAME"], c.env["CNI_NETNS"], c.env["CNI_CONTAINERID"]]);
    const pin = expect.stringMatching(/^\/proc\/\d+\/fd\/\d+$/);
    expect(delRows.slice(0, 2).sort()).toEqual([
      ["net-b", "net1", pin, "rl1"],
      ["net-c", "net2", pin, "rl1"],
    ]);
    expect(delRows[2]).toEqual(["net-a", "eth0", pin, "rl1"]);
    expect(dels.every((c) => String(c.env["CNI_ARGS"]).includes("K8S_POD_NAME=web"))).toBe(true);
    expect(dels.every((c) => (c.stdin["prevResult"] as { ips?: unknown[] } | undefined)?.ips?.length === 1)).toBe(true);
    expect(await readdir(join(env.stateDir, "attachments"))).toEqual([]);
    await expect(restarted.detach({ containerId: "rl1", netns: "" }, ctx())).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
  });

  it("finishes when a plugin's DEL fails: netattach cleans the delegate up itself, the failure is in the log's events and history", async () => {
    const nets = [
      noopNetwork(env, "cluster", "net-a"),
      noopNetwork(env, "selected", "net-b", { DEL: { error: { code: 5, msg: "cannot release" } } }),
    ];
    await makeService(env, staticResolver(nets)).svc.attach(attachRequest(env, "rl2"), ctx());
    const restarted = makeService(env, goneResolver).svc;

    const res = await restarted.detach({ containerId: "rl2", netns: "" }, ctx());
    expect(res).toEqual({
      removed: [
        { network: "default/net-b", ifName: "net1" },
        { network: "net-a", ifName: "eth0" },
      ],
      orphaned: [],
    });
    const order = (await invocations(env, ["net-a", "net-b"])).filter((c) => c.command === "DEL").map((c) => c.network);
    expect(order).toEqual(["net-b", "net-a"]);
    expect(await readdir(join(env.stateDir, "attachments"))).toEqual([]);
    expect(await readdir(join(env.stateDir, "orphans")).catch(() => [])).toEqual([]);
    const cached = await readdir(join(env.cacheDir, "results")).catch(() => []);
    expect(cached.filter((f) => f.includes("rl2"))).toEqual([]);
  });

  it("orphans a delegate whose IPAM cannot be released either, and lists it with phase and cause", async () => {
    // The IPAM plugin reads the delegate's config, so this noop fails its DEL the same way.
    const nets = [
      noopNetwork(env, "cluster", "net-a"),
      noopNetwork(env, "selected", "net-b", { DEL: { error: { code: 999, msg: "Link not found" } } }),
    ];
    const plugin = (nets[1]!.definition.config["plugins"] as object[])[0];
    const withIpam = {
      ...nets[1]!,
      definition: {
        ...nets[1]!.definition,
        config: { ...nets[1]!.definition.config, plugins: [{ ...plugin, ipam: { type: "noop-ipam" } }] },
      },
    };
    await symlink(NOOP_PLUGIN, join(env.binDir, "noop-ipam"));
    await makeService(env, staticResolver([nets[0]!, withIpam])).svc.attach(attachRequest(env, "rl3"), ctx());
    const restarted = makeService(env, goneResolver).svc;

    const res = await restarted.detach({ containerId: "rl3", netns: "" }, ctx());
    expect(res.removed).toEqual([{ network: "net-a", ifName: "eth0" }]);
    expect(res.orphaned).toEqual([
      {
        network: "default/net-b",
        ifName: "net1",
        cause: expect.stringContaining(
          'addresses could not be released: network "default/net-b" (net1): plugin "noop-ipam" failed on DEL with CNI code 999: Link not found',
        ),
      },
    ]);
    // The plugin's DEL, then its IPAM plugin's DEL with the delegate's own config and the same env.
    const dels = (await invocations(env, ["net-b"])).filter((c) => c.command === "DEL");
    expect(
      dels.map((c) => [c.env["CNI_CONTAINERID"], c.env["CNI_IFNAME"], (c.stdin["ipam"] as { type?: string }).type]),
    ).toEqual([
      ["rl3", "net1", "noop-ipam"],
      ["rl3", "net1", "noop-ipam"],
    ]);
    const [orphan] = (await restarted.list({}, ctx())).attachments;
    expect(orphan).toMatchObject({
      containerId: "rl3",
      phase: "orphaned",
      interfaces: [{ network: "default/net-b", ifName: "net1" }],
    });
    expect(orphan!.history.map((h) => h.event)).toEqual(["del-failed", "orphaned"]);
    expect(await readdir(join(env.stateDir, "orphans"))).toEqual(["rl3.json"]);
  });
});
