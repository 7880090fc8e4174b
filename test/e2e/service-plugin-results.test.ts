// Review 2, findings 5, 6 and 9: what a plugin prints as its ADD result is bounded before anything
// keeps it. A result nested thousands deep, one too large for the caller's response, or one
// listing too many interfaces is PLUGIN_BAD_OUTPUT naming the plugin; the ADD is rolled back
// (the real ptp delegate before it too) and nothing is saved.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { describeRoot } from "../helpers/root.js";
import { rpcFailure as failure } from "../helpers/rpc-failure.js";
import { createServiceWorld, podRequest, type ServiceWorld } from "../helpers/service-world.js";

const CASES = [
  {
    name: "deep-result",
    stdout: `{"cniVersion":"1.0.0","dns":{"x":${"[".repeat(3000)}${"]".repeat(3000)}}}`,
    says: "nested more than 32 deep",
  },
  {
    name: "huge-result",
    stdout: JSON.stringify({ cniVersion: "1.0.0", dns: { options: ["x".repeat(200_000)] } }),
    says: "over the 32768 a result may have",
  },
  {
    name: "many-interfaces",
    stdout: JSON.stringify({
      cniVersion: "1.0.0",
      interfaces: Array.from({ length: 10_000 }, (_, i) => ({ name: `if${i}` })),
    }),
    says: "over the 32768 a result may have",
  },
  {
    name: "some-interfaces",
    stdout: JSON.stringify({
      cniVersion: "1.0.0",
      interfaces: Array.from({ length: 65 }, (_, i) => ({ name: `i${i}` })),
    }),
    says: "65 interfaces, over the 64 a result may have",
  },
] as const;

describeRoot("service e2e: plugin results over their bounds", () => {
  let w: ServiceWorld;
  let d: TestDaemon;

  beforeAll(async () => {
    w = await createServiceWorld("res");
    for (const c of CASES) {
      await w.writeNad("default", c.name, {
        cniVersion: "1.0.0",
        name: c.name,
        plugins: [
          { type: "ptp", ipam: { type: "host-local", dataDir: w.dataDir, ranges: [[{ subnet: w.subnets.a.subnet }]] } },
          { type: "noop", noop: { ADD: { stdout: c.stdout } } },
        ],
      });
    }
    d = await w.start();
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  it.each(CASES)("$name: PLUGIN_BAD_OUTPUT naming the plugin, rolled back, nothing saved", async (c) => {
    const id = `res-${c.name}`;
    const f = await failure(d.client.api.attachNetworks(podRequest(w, id, c.name)));
    expect(f.info.reason).toBe("PLUGIN_BAD_OUTPUT");
    expect(f.info.metadata).toMatchObject({ network: `default/${c.name}`, plugin: "noop" });
    expect(f.message).toContain(c.says);
    expect(await w.podLinks()).toEqual([]);
    expect(await w.reservations(c.name)).toEqual([]);
    expect((await d.client.api.listAttachments({ containerId: id })).attachments).toEqual([]);
  });
});
