// ADD through the real runtime and a real plugin process: rollback in reverse with the first
// cause, nothing left in the store or the runtime's result cache.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
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

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  const err: unknown = await p.then(
    () => new Error("expected a failure"),
    (e: unknown) => e,
  );
  if (!(err instanceof DaemonError)) throw err;
  return err;
}

describe("attach with the real runtime", () => {
  it("attaches three networks and answers with their interfaces and network-status", async () => {
    const nets = [
      noopNetwork(env, "cluster", "net-a"),
      noopNetwork(env, "selected", "net-b"),
      noopNetwork(env, "selected", "net-c", {}, "data0"),
    ];
    const { svc, written } = makeService(env, staticResolver(nets));
    const res = await svc.attach(attachRequest(env, "ok1"), ctx());
    expect(res.networkStatus).toEqual([
      { name: "net-a", interface: "eth0", ips: ["10.1.2.3"], default: true, dns: {} },
      { name: "default/net-b", interface: "net1", ips: ["10.1.2.3"], default: false, dns: {} },
      { name: "default/net-c", interface: "data0", ips: ["10.1.2.3"], default: false, dns: {} },
    ]);
    expect(written).toEqual([res.networkStatus]);
    const calls = await invocations(env, ["net-a", "net-b", "net-c"]);
    // The cluster network first, then the secondaries concurrently (their order is not fixed).
    const added = calls.map((c) => `${c.command} ${c.network} ${c.env["CNI_IFNAME"]}`);
    expect(added[0]).toBe("ADD net-a eth0");
    expect(added.slice(1).sort()).toEqual(["ADD net-b net1", "ADD net-c data0"]);
    expect(calls[1]!.env["CNI_ARGS"]).toBe(
      "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=ok1;K8S_POD_UID=uid-1",
    );
  });

  it("rolls back the first two when the third fails, and names network, plugin and CNI code", async () => {
    const failing = {
      ADD: { error: { code: 11, msg: "no addresses left", details: "pool 10.9.0.0/30" }, stderr: "ipam exhausted" },
    };
    const nets = [
      noopNetwork(env, "cluster", "net-a"),
      noopNetwork(env, "selected", "net-b"),
      noopNetwork(env, "selected", "net-c", failing),
    ];
    const { svc, written } = makeService(env, staticResolver(nets));

    const err = await rejection(svc.attach(attachRequest(env, "rb1"), ctx()));
    expect(err.code).toBe("PLUGIN_FAILED");
    expect(err.message).toContain('network "default/net-c"');
    expect(err.message).toContain('plugin "noop"');
    expect(err.message).toContain("CNI code 11");
    expect(err.message).toContain("no addresses left");
    expect(err.context).toMatchObject({
      network: "default/net-c",
      plugin: "noop",
      cniCode: 11,
      phase: "add",
      ifName: "net2",
    });
    expect(err.context.stderr).toContain("ipam exhausted");

    const calls = await invocations(env, ["net-a", "net-b", "net-c"]);
    const order = calls.map((c) => `${c.command} ${c.network}`);
    // The cluster network first, the secondaries concurrently; the rollback the other way round.
    const adds = order.filter((o) => o.startsWith("ADD"));
    expect([adds[0], adds.slice(1).sort()]).toEqual(["ADD net-a", ["ADD net-b", "ADD net-c"]]);
    const dels = order.filter((o) => o.startsWith("DEL"));
    expect([dels.slice(0, 2).sort(), dels[2]]).toEqual([["DEL net-b", "DEL net-c"], "DEL net-a"]);
    // DEL of an added delegate gets its ADD result as prevResult.
    const delB = calls.find((c) => c.command === "DEL" && c.network === "net-b")!;
    expect(delB.stdin["prevResult"]).toMatchObject({ ips: [{ address: "10.1.2.3/24" }] });

    expect(written).toEqual([]);
    expect(await readdir(join(env.stateDir, "attachments"))).toEqual([]);
    const cached = await readdir(join(env.cacheDir, "results")).catch(() => []);
    expect(cached.filter((f) => f.includes("rb1"))).toEqual([]);
  });

  it("runs nothing when a plugin binary is missing", async () => {
    const nets = [noopNetwork(env, "cluster", "net-a"), noopNetwork(env, "selected", "net-b")];
    const missing = {
      ...nets[1]!,
      definition: {
        ...nets[1]!.definition,
        config: { cniVersion: "1.0.0", name: "net-b", plugins: [{ type: "noop" }, { type: "not-installed" }] },
      },
    };
    const { svc } = makeService(env, staticResolver([nets[0]!, missing]));
    const err = await rejection(svc.attach(attachRequest(env, "np1"), ctx()));
    expect(err.code).toBe("PLUGIN_NOT_FOUND");
    expect(err.message).toContain('"not-installed"');
    expect(err.message).toContain(env.binDir);
    expect(await invocations(env, ["net-a", "net-b"])).toEqual([]);
  });
});
