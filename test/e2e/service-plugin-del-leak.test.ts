// Review 2, finding 7: a plugin whose DEL exits 0 but removes nothing. Its veth stayed in the pod
// (and its host peer on the node) while DEL answered "removed". Where the netns lives on (hot-unplug,
// rollback) netattach checks it after the DEL and removes what the plugin left with its own cleanup.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { deleteHostLinks, hostLink } from "../helpers/host-net.js";
import { uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { createServiceWorld, podRequest, type ServiceWorld } from "../helpers/service-world.js";

describeRoot("service e2e: a DEL that exits 0 but leaves its interface", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  const hostEnd = uniqueName("lkh");

  beforeAll(async () => {
    w = await createServiceWorld("leak");
    await writeFile(
      join(w.dir, "bin", "leaky"),
      `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ]; then\n` +
        `  ip link add ${hostEnd} type veth peer name "$CNI_IFNAME" netns "$CNI_NETNS" >&2 || exit 1\n` +
        `  echo '{"cniVersion":"1.0.0","interfaces":[{"name":"${hostEnd}"},{"name":"'"$CNI_IFNAME"'","sandbox":"'"$CNI_NETNS"'"}]}'\n` +
        `fi\nexit 0\n`,
      { mode: 0o755 },
    );
    await w.writeNad("default", "leaky", { cniVersion: "1.0.0", name: "leaky", type: "leaky" });
    d = await w.start();
  });
  afterAll(async () => {
    await deleteHostLinks(hostEnd);
    await w?.cleanup();
  });

  it("a hot-unplug removes the interface the plugin left in the pod, and its host peer goes with it", async () => {
    await d.client.api.attachNetworks(podRequest(w, "lk1", "leaky", { cniVersion: "1.0.0" }));
    expect((await w.podLinks()).sort()).toEqual(["eth0", "net1"]);
    expect(await hostLink(hostEnd)).toBeDefined();
    // The netns lives on after a hot-unplug: what the plugin left would stay.
    const res = await d.client.api.detachNetwork({ containerId: "lk1", interface: "net1" });
    expect(res.removed.map((r) => r.interface)).toEqual(["net1"]);
    expect(await w.podLinks()).toEqual(["eth0"]);
    expect(await hostLink(hostEnd)).toBeUndefined();
    // The sandbox's DEL: the runtime removes the netns next, so nothing is listed for it.
    await d.client.api.detachNetworks({ containerId: "lk1", netnsPath: w.netns.path });
    expect(await w.podLinks()).toEqual([]);
  });
});
