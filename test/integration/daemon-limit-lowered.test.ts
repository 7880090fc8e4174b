// A daemon restarted with a lower limits.maxContainerIdLength still DELs what it attached before:
// the record, the plugins' DEL and the reservation go, where the DEL used to be refused on every
// retry. A real daemon composed like main.ts, the test-double plugin, a real netns.
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../server/src/config/index.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";
import { rpcFailure } from "../helpers/rpc-failure.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const ID = "a".repeat(100);

let dir: string;
let netns: ScratchNetns;
let d: TestDaemon | undefined;

beforeAll(async () => {
  netns = await createScratchNetns();
  dir = await tempDir("na-id-bound-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = { type: "noop", debugFile: join(dir, "debug.jsonl") };
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [noop] }),
  );
});
afterAll(async () => {
  await d?.stop();
  await netns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const start = (maxContainerIdLength: number) =>
  startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      cniConfDir: join(dir, "net.d"),
      limits: { ...DEFAULTS.limits, maxContainerIdLength },
    },
    { dir },
  );

async function pluginCalls(command: string): Promise<number> {
  const text = await readFile(join(dir, "debug.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.includes(`"CNI_CONTAINERID":"${ID}"`) && l.includes(`"CNI_COMMAND":"${command}"`)).length;
}

describe("limits.maxContainerIdLength lowered across a restart", () => {
  it("DEL of an attachment saved under the old bound runs its plugins' DEL and forgets it; a new ADD of such an id is refused", async () => {
    d = await start(128);
    const pod = { namespace: "ns1", name: "web", uid: "u1" };
    await d.client.api.attachNetworks({ containerId: ID, netnsPath: netns.path, pod, annotations: { values: {} } });
    await d.stop();

    d = await start(64);
    await d.client.api.checkNetworks({ containerId: ID });
    await expect(d.client.api.detachNetworks({ containerId: ID })).resolves.toEqual({
      removed: [{ network: "cluster", interface: "eth0" }],
      orphaned: [],
    });
    expect(await pluginCalls("DEL")).toBe(1);
    expect((await d.client.api.listAttachments({ containerId: ID })).attachments).toEqual([]);

    const refused = await rpcFailure(
      d.client.api.attachNetworks({
        containerId: "b".repeat(100),
        netnsPath: netns.path,
        pod,
        annotations: { values: {} },
      }),
    );
    expect([refused.info.reason, refused.info.metadata.limit]).toEqual([
      "LIMIT_EXCEEDED",
      "limits.maxContainerIdLength",
    ]);
  });
});
