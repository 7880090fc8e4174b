// Review: a DEL whose plugins hang past the call's deadline stayed detaching for good (every retry
// timed out alike), the address reserved and portmap's DNAT rules in place. Each plugin run now gets
// only the time left before the call's deadline (the daemon's callTimeoutMs, or the caller's own if
// sooner) less a reserve, so the DEL answers in time with the delegate cleaned and orphaned; once
// the plugins work again, a GC pass releases it. Of that time each run leaves a floor to the runs
// after it: a secondary network's portmap that hangs no longer keeps the cluster network from its
// DEL, which had been orphaned too (its address and portmap's rules kept for the reconciler).
import { access, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GarbageCollectOutcome } from "../../proto/gen/netattach/v1/attachment_service.js";
import type { DaemonConfig } from "../../server/src/config/index.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { describeRoot } from "../helpers/root.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createServiceWorld, podRequest, ptpPlugin, type ServiceWorld } from "../helpers/service-world.js";

/** portmap's rules for container `id`, as `iptables -t nat -S` lists them (its comment names the id). */
async function natRules(id: string): Promise<string[]> {
  const out = await runCmd("iptables", ["-w", "-t", "nat", "-S"]);
  return out.stdout.split("\n").filter((l) => l.includes(`id: \\"${id}\\"`));
}

describeRoot("service e2e: a DEL whose plugins hang past the call's deadline", () => {
  let w: ServiceWorld;
  const wrappers = ["portmap", "host-local"];

  beforeAll(async () => {
    w = await createServiceWorld("delhang");
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  async function hangingDelThenGc(
    id: string,
    hostPort: number,
    config: Partial<DaemonConfig>,
    callerDeadlineMs: number | undefined,
  ): Promise<void> {
    const real = (type: string): string => join(CNI_BIN_DIRS[0]!, type);
    // Ahead of the real plugins in cniBinDirs (bridge finds host-local through CNI_PATH too).
    for (const type of wrappers)
      await writeFile(
        join(w.dir, "bin", type),
        `#!/bin/sh\n[ "$CNI_COMMAND" = DEL ] && exec sleep 1000\nexec ${real(type)} "$@"\n`,
        { mode: 0o755 },
      );
    const d = await w.start(config);
    try {
      await d.client.api.attachNetworks({
        ...podRequest(w, id, ""),
        annotations: { values: {} },
        runtimeConfig: {
          portMappings: [{ hostPort, containerPort: 80, protocol: "tcp", hostIp: "" }],
          ips: [],
          extraJson: "",
        },
      });
      expect(await w.reservations("cluster")).toHaveLength(1);
      expect(await natRules(id)).not.toEqual([]);

      const bound = callerDeadlineMs ?? config.callTimeoutMs!;
      const started = Date.now();
      const res = await d.client.api.detachNetworks(
        { containerId: id, netnsPath: w.netns.path },
        callerDeadlineMs !== undefined ? { deadline: new Date(started + callerDeadlineMs) } : {},
      );
      expect(Date.now() - started).toBeLessThan(bound);
      expect(res.removed).toEqual([]);
      const orphan = join(w.dir, "state", "orphans", `${id}.json`);
      await access(orphan);
      await expect(access(join(w.dir, "state", "attachments", `${id}.json`))).rejects.toThrow();
      // netattach removed the interface itself; the address and the DNAT rules wait for the reconciler.
      expect(await w.podLinks()).toEqual([]);
      expect(await w.reservations("cluster")).toHaveLength(1);
      expect(await natRules(id)).not.toEqual([]);

      for (const type of wrappers) await rm(join(w.dir, "bin", type));
      const gc = await d.client.api.garbageCollect({});
      expect(gc.report?.items.map((i) => [i.containerId, i.outcome])).toEqual([
        [id, GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_REMOVED],
      ]);
      await expect(access(orphan)).rejects.toThrow();
      expect(await w.reservations("cluster")).toEqual([]);
      expect(await natRules(id)).toEqual([]);
    } finally {
      await d.stop();
    }
  }

  it("the daemon's callTimeoutMs (the review's 3 s per plugin, 5 s per call): orphaned in time, released by GC", async () => {
    await hangingDelThenGc("delhang1", 18093, { pluginTimeoutMs: 3000, callTimeoutMs: 5000 }, undefined);
  });

  it("the caller's gRPC deadline, far below the defaults (60 s per plugin, 120 s per call): orphaned in time, released by GC", async () => {
    await hangingDelThenGc("delhang2", 18094, {}, 5000);
  });

  it("a secondary network's portmap that hangs leaves the cluster network its DEL: its address and DNAT rules go at once", async () => {
    const id = "delhang3";
    // portmap hangs for net1 only: the cluster network's (eth0) is the real one.
    const real = join(CNI_BIN_DIRS[0]!, "portmap");
    await writeFile(
      join(w.dir, "bin", "portmap"),
      `#!/bin/sh
[ "$CNI_COMMAND" = DEL ] && [ "$CNI_IFNAME" != eth0 ] && exec sleep 1000
exec ${real} "$@"
`,
      { mode: 0o755 },
    );
    await w.writeNad("default", "sec-pm", {
      cniVersion: "1.0.0",
      name: "sec-pm",
      plugins: [ptpPlugin(w), { type: "portmap", capabilities: { portMappings: true } }],
    });
    const d = await w.start({ callTimeoutMs: 5000 });
    try {
      await d.client.api.attachNetworks({
        ...podRequest(w, id, "sec-pm"),
        runtimeConfig: {
          portMappings: [{ hostPort: 18095, containerPort: 80, protocol: "tcp", hostIp: "" }],
          ips: [],
          extraJson: "",
        },
      });
      expect(await w.reservations("cluster")).toHaveLength(1);
      expect(await w.reservations("sec-pm")).toHaveLength(1);
      expect(await natRules(id)).not.toEqual([]);

      const started = Date.now();
      const res = await d.client.api.detachNetworks({ containerId: id, netnsPath: w.netns.path });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.removed.map((r) => [r.network, r.interface])).toEqual([["cluster", "eth0"]]);
      expect(res.orphaned.map((o) => [o.network, o.interface])).toEqual([["default/sec-pm", "net1"]]);
      // No GC pass: ptp and the cluster network's plugins ran in this DEL.
      expect(await w.reservations("cluster")).toEqual([]);
      expect(await w.reservations("sec-pm")).toEqual([]);
      expect(await natRules(id)).toEqual([]);
      expect(await w.podLinks()).toEqual([]);
    } finally {
      await d.stop();
      await rm(join(w.dir, "bin", "portmap"), { force: true });
    }
  });
});
