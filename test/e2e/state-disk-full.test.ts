// Issue 8: a full state disk gives an error naming ENOSPC and the file, and leaves nothing
// half-attached. The state dir is a small tmpfs; a test-double delegate fills it in the middle
// of an ADD (after the real bridge attached), so the failure comes while delegates are live.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestDaemon } from "../helpers/daemon.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { describeRoot } from "../helpers/root.js";
import { runCmd } from "../helpers/run-cmd.js";
import { createServiceWorld, writeStandardNads, type ServiceWorld } from "../helpers/service-world.js";
import { rpcFailure } from "../helpers/rpc-failure.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

describeRoot("state disk full e2e", () => {
  let w: ServiceWorld;
  let d: TestDaemon;
  let stateDir: string;
  let filler: string;

  beforeAll(async () => {
    w = await createServiceWorld("full");
    await writeStandardNads(w);
    stateDir = join(w.dir, "state-fs");
    filler = join(stateDir, "filler");
    await mkdir(stateDir);
    await runCmd("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", stateDir]);
    await w.writeNad("default", "filler", {
      cniVersion: "1.0.0",
      name: "filler",
      type: "noop",
      noop: { ADD: { fill: { path: filler, bytes: 4 * 1024 * 1024 } }, DEL: { remove: filler } },
    });
    d = await w.start({ stateDir });
  });
  afterAll(async () => {
    await d?.stop();
    if (stateDir) await runCmd("umount", [stateDir]).catch(() => undefined);
    await w?.cleanup();
  });

  const request = (containerId: string) => ({
    containerId,
    netnsPath: w.netns.path,
    pod: { namespace: "default", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: { [NETWORKS]: "filler,ptp-conf" } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
  });

  async function nothingLeft(): Promise<void> {
    expect(await w.podLinks()).toEqual([]);
    expect((await w.netns.addrs()).flatMap((l) => globalAddrs(l))).toEqual([]);
    for (const net of await readdir(w.dataDir)) expect(await w.reservations(net), `reservations of ${net}`).toEqual([]);
    const files = await readdir(stateDir, { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name))).toEqual([]);
  }

  it("the disk fills in the middle of an ADD: STATE_IO names ENOSPC and the file; the live delegates are rolled back", async () => {
    const f = await rpcFailure(d.client.api.attachNetworks(request("full1")));
    expect(f.code).toBe("UNAVAILABLE");
    expect(f.info.reason).toBe("STATE_IO");
    expect(f.info.metadata.cniCode).toBe("5");
    expect(f.message).toContain("ENOSPC (no space left on device)");
    expect(f.message).toMatch(new RegExp(`on ${stateDir}/\\S+`));
    expect(f.info.metadata.network).toBe("default/filler");
    await nothingLeft();
  });

  it("the disk is full before the ADD: STATE_IO names ENOSPC and the attachment file; nothing runs", async () => {
    await writeFile(filler, Buffer.alloc(0));
    await runCmd("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k", "count=64"]).catch(() => undefined);
    try {
      const f = await rpcFailure(d.client.api.attachNetworks(request("full2")));
      expect(f.info.reason).toBe("STATE_IO");
      expect(f.message).toMatch(
        new RegExp(`^cannot (write|create) ${stateDir}/\\S+: ENOSPC \\(no space left on device\\)`),
      );
      expect(await w.reservations("cluster")).toEqual([]);
      expect(await w.podLinks()).toEqual([]);
    } finally {
      await runCmd("rm", ["-f", filler]);
    }
    await nothingLeft();
  });
});
