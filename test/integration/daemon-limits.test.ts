// Issue 8: unbounded input. Each oversized input gets INVALID_ARGUMENT / LIMIT_EXCEEDED naming the
// limit and its config key, quickly, while a valid attach on the same connection succeeds; error
// trailers stay small whatever was sent. A real daemon composed like main.ts, test-double plugins.
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachNetworksRequest } from "../../proto/gen/netattach/v1/attachment_service.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";
import { rpcFailure } from "../helpers/rpc-failure.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const NETWORKS = "k8s.v1.cni.cncf.io/networks";

let d: TestDaemon;
let dir: string;
let netns: ScratchNetns;

beforeAll(async () => {
  netns = await createScratchNetns();
  dir = await tempDir("na-limits-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await mkdir(join(dir, "definitions"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = { type: "noop", debugFile: join(dir, "debug.jsonl") };
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [noop] }),
  );
  const config = JSON.stringify({ cniVersion: "1.0.0", name: "blue", plugins: [noop] });
  await writeFile(
    join(dir, "definitions", "blue.yaml"),
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: blue, namespace: ns1}\nspec:\n  config: '${config}'\n`,
  );
  d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      cniConfDir: join(dir, "net.d"),
      definitionsDir: join(dir, "definitions"),
    },
    { dir },
  );
});
afterAll(async () => {
  await d?.stop();
  await netns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function request(containerId: string, extra: Partial<AttachNetworksRequest> = {}): AttachNetworksRequest {
  return {
    containerId,
    // Filled at call time (the namespace is made in beforeAll).
    netnsPath: "",
    pod: { namespace: "ns1", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: { [NETWORKS]: "blue" } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
    ...extra,
  };
}

async function pluginRuns(containerId: string): Promise<number> {
  const text = await readFile(join(dir, "debug.jsonl"), "utf8").catch(() => "");
  return text.split("\n").filter((l) => l.includes(`"CNI_CONTAINERID":"${containerId}"`)).length;
}

describe("input limits over gRPC", () => {
  const deep = "[".repeat(10_000) + "]".repeat(10_000);
  const oversized: Array<[string, AttachNetworksRequest, string, RegExp]> = [
    [
      "a 1 MiB annotation",
      request("big1", { annotations: { values: { [NETWORKS]: "blue," + "x".repeat(1024 * 1024) } } }),
      "limits.maxAnnotationBytes",
      /^the request's pod annotations are 1048608 bytes: over limits\.maxAnnotationBytes \(262144\)$/,
    ],
    [
      "10^5 networks",
      request("many1", {
        annotations: {
          values: {
            [NETWORKS]: Array.from({ length: 100_000 }, () => "blue")
              .join(",")
              .slice(0, 200_000),
          },
        },
      }),
      "limits.maxNetworksPerPod",
      /selects \d+ networks, and the pod has 1 more \(cluster and default networks\): over limits\.maxNetworksPerPod \(32\)$/,
    ],
    [
      "10^5 request selections",
      request("many2", {
        annotations: undefined,
        selections: Array.from({ length: 100_000 }, () => ({
          name: "blue",
          ips: [],
          portMappings: [],
          cniArgsJson: "",
        })),
      }),
      "limits.maxNetworksPerPod",
      /^request selections selects 100000 networks/,
    ],
    [
      "10^4-deep cni-args JSON",
      request("deep1", {
        annotations: undefined,
        selections: [{ name: "blue", ips: [], portMappings: [], cniArgsJson: `{"a":${deep}}` }],
      }),
      "limits.maxJsonDepth",
      /^selections\[0\]\.cni_args_json nests JSON more than 32 deep: over limits\.maxJsonDepth \(32\)$/,
    ],
    [
      "10^4-deep JSON annotation",
      request("deep2", { annotations: { values: { [NETWORKS]: `[{"name":"blue","cni-args":${deep}}]` } } }),
      "limits.maxJsonDepth",
      /nests JSON more than 32 deep/,
    ],
    [
      "a 5000-character container id",
      request("c".repeat(5000)),
      "limits.maxContainerIdLength",
      /^container id "c+\.\.\. is 5000 characters: over limits\.maxContainerIdLength \(128\)$/,
    ],
  ];

  it.each(oversized)(
    "%s: INVALID_ARGUMENT naming the limit, nothing run, while a valid attach on the same connection succeeds",
    async (_what, template, key, message) => {
      const req = { ...template, netnsPath: netns.path };
      const valid = { ...request(`ok-${key.length}-${req.containerId.length}`), netnsPath: netns.path };
      const [bad, good] = await Promise.allSettled([
        rpcFailure(d.client.api.attachNetworks(req)),
        d.client.api.attachNetworks(valid),
      ]);
      expect(good.status).toBe("fulfilled");
      expect(bad.status).toBe("fulfilled");
      const f = (bad as PromiseFulfilledResult<Awaited<ReturnType<typeof rpcFailure>>>).value;
      expect(f.code).toBe("INVALID_ARGUMENT");
      expect(f.info.reason).toBe("LIMIT_EXCEEDED");
      expect(f.info.metadata.limit).toBe(key);
      expect(f.message).toMatch(message);
      expect(Buffer.byteLength(f.message)).toBeLessThanOrEqual(1024);
      expect(await pluginRuns(req.containerId.slice(0, 200))).toBe(0);
      await d.client.api.detachNetworks({ containerId: valid.containerId });
    },
  );

  it("a DEL or CHECK with a 5000-character container id is refused the same way", async () => {
    for (const call of [
      d.client.api.detachNetworks({ containerId: "d".repeat(5000) }),
      d.client.api.checkNetworks({ containerId: "d".repeat(5000) }),
    ]) {
      const f = await rpcFailure(call);
      expect(f.info.reason).toBe("LIMIT_EXCEEDED");
      expect(f.info.metadata.limit).toBe("limits.maxContainerIdLength");
    }
  });

  it("a refused call's ids are cut where it is recorded: its log lines and its event stay small (no caller's megabytes per call kept)", async () => {
    const big = (c: string): string => c.repeat(1_000_000);
    const f = await rpcFailure(
      d.client.api.attachNetworks({
        ...request(big("e")),
        pod: { namespace: big("n"), name: big("p"), uid: big("u") },
        netnsPath: netns.path,
      }),
    );
    expect(f.info.reason).toBe("LIMIT_EXCEEDED");
    const lines = d.logs.filter((l) => typeof l.containerId === "string" && l.containerId.startsWith("eeee"));
    expect(lines.map((l) => l.msg)).toContain("call failed");
    for (const l of lines) expect(JSON.stringify(l).length).toBeLessThan(4096);
    expect(lines[0]!.containerId).toBe(`${"e".repeat(230)}… (1000000 bytes in all)`);
    const events = [];
    for await (const item of d.client.events.watchEvents({ recentOnly: true, replayRecent: true })) events.push(item);
    const refused = events.find((e) => e.event?.containerId.startsWith("eeee"))?.event;
    expect(refused?.reason).toBe("LIMIT_EXCEEDED");
    expect(refused?.containerId).toBe(lines[0]!.containerId);
    expect(refused?.pod).toEqual({
      namespace: `${"n".repeat(230)}… (1000000 bytes in all)`,
      name: `${"p".repeat(230)}… (1000000 bytes in all)`,
      uid: `${"u".repeat(230)}… (1000000 bytes in all)`,
    });
  });

  it("a message over limits.maxMessageBytes is refused by the gRPC layer (RESOURCE_EXHAUSTED); the connection keeps serving", async () => {
    const err = await d.client.api
      .attachNetworks({
        ...request("huge", { annotations: { values: { [NETWORKS]: "x".repeat(5 * 1024 * 1024) } } }),
        netnsPath: netns.path,
      })
      .catch((e: unknown) => e);
    expect((err as { code?: number }).code).toBe(Status.RESOURCE_EXHAUSTED);
    await d.client.api.attachNetworks({ ...request("after-huge"), netnsPath: netns.path });
    await d.client.api.detachNetworks({ containerId: "after-huge" });
  });

  it("a 64 KiB bad element is quoted in part: the trailer stays small and the connection keeps serving", async () => {
    const element = "y".repeat(65_536);
    const valid = { ...request("ok-quote"), netnsPath: netns.path };
    const bad1 = {
      ...request("q1", { annotations: { values: { [NETWORKS]: `blue,${element}@` } } }),
      netnsPath: netns.path,
    };
    const [bad, good] = await Promise.allSettled([
      rpcFailure(d.client.api.attachNetworks(bad1)),
      d.client.api.attachNetworks(valid),
    ]);
    expect(good.status).toBe("fulfilled");
    const f = (bad as PromiseFulfilledResult<Awaited<ReturnType<typeof rpcFailure>>>).value;
    expect(f.info.reason).toBe("INVALID_ANNOTATION");
    expect(f.message.length).toBeLessThan(400);
    await d.client.api.detachNetworks({ containerId: "ok-quote" });
  });
});
