// Every RPC through a real daemon composed like main.ts (real runtime, file sources, attachment
// service, store) with test-double plugins — no root. Errors are checked end to end: status,
// ErrorInfo reason, the plugin's CNI code, and that nothing ran for a bad input.
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachNetworksRequest } from "../../proto/gen/netattach/v1/attachment_service.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const NETWORKS = "k8s.v1.cni.cncf.io/networks";

let d: TestDaemon;
let dir: string;
let debugFile: string;
/** A real network namespace: the daemon refuses paths that are not one. */
let netns: ScratchNetns;

interface DebugLine {
  command: string;
  env: Record<string, string>;
  stdin: Record<string, unknown>;
}

async function invocations(containerId: string): Promise<string[]> {
  return (await debugLines())
    .filter((l) => l.env.CNI_CONTAINERID === containerId)
    .map((l) => `${l.command} ${l.env.CNI_IFNAME} ${String(l.stdin.name)}`);
}

/**
 * Plugin runs grouped by what may run concurrently: the cluster network's (eth0) alone, the
 * secondaries' together (their order among themselves is not fixed), split where the command changes.
 */
function inStages(lines: readonly string[]): string[][] {
  const stages: string[][] = [];
  let key = "";
  for (const line of lines) {
    const [command, ifName] = line.split(" ");
    const next = `${command} ${ifName === "eth0" ? "cluster" : "secondary"}`;
    if (next !== key) stages.push([]);
    key = next;
    stages.at(-1)!.push(line);
  }
  return stages.map((s) => s.sort());
}

/** Every plugin run so far, VERSION probes included. */
async function allInvocations(): Promise<number> {
  return (await debugLines()).length;
}

async function debugLines(): Promise<DebugLine[]> {
  const text = await readFile(debugFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DebugLine);
}

function nad(ns: string, name: string, config: object): string {
  return `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  config: '${JSON.stringify(config)}'\n---\n`;
}

beforeAll(async () => {
  netns = await createScratchNetns();
  dir = await tempDir("na-rpc-");
  debugFile = join(dir, "debug.jsonl");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await mkdir(join(dir, "definitions"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = (extra: object = {}) => ({ type: "noop", debugFile, ...extra });
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [noop()] }),
  );
  await writeFile(
    join(dir, "definitions", "nads.yaml"),
    nad("ns1", "blue", { cniVersion: "1.0.0", plugins: [noop()] }) +
      nad("ns1", "green", { cniVersion: "1.0.0", name: "green", plugins: [noop()] }) +
      nad("ns1", "red", {
        cniVersion: "1.0.0",
        plugins: [noop({ noop: { ADD: { error: { code: 117, msg: "red refuses", details: "no red today" } } } })],
      }) +
      nad("ns1", "gone", {
        cniVersion: "1.0.0",
        plugins: [noop({ noop: { ADD: { error: { code: 3, msg: "no such container" } } } })],
      }) +
      nad("ns1", "nobin", { cniVersion: "1.0.0", plugins: [{ type: "no-such-plugin" }] }),
  );
  d = await startComposedDaemon(
    {
      clusterNetwork: "cluster",
      cniBinDirs: [join(dir, "bin")],
      cniConfDir: join(dir, "net.d"),
      definitionsDir: join(dir, "definitions"),
      defaultNamespace: "default",
    },
    { dir },
  );
});
afterAll(async () => {
  await d?.stop();
  await netns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function attachReq(
  containerId: string,
  annotation: string,
  extra: Partial<AttachNetworksRequest> = {},
): AttachNetworksRequest {
  return {
    containerId,
    netnsPath: netns.path,
    pod: { namespace: "ns1", name: `pod-${containerId}`, uid: `uid-${containerId}` },
    annotations: { values: { [NETWORKS]: annotation } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: Status; message: string; info: ErrorInfo }> {
  const err = await p.then(
    () => expect.fail("the call succeeded"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RichClientError);
  const e = err as RichClientError;
  const info = e.extra.find((x): x is ErrorInfo => x.$type === ErrorInfo.$type)!;
  return { code: e.code, message: e.details, info };
}

describe("a full lifecycle over gRPC", () => {
  it("attach → list → check → resolve → detach", async () => {
    const res = await d.client.api.attachNetworks(attachReq("c1", "blue, ns1/green@data0", { cniVersion: "0.4.0" }));
    expect(res.interfaces.map((i) => [i.interface, i.network, i.isDefault])).toEqual([
      ["eth0", "cluster", true],
      ["net1", "ns1/blue", false],
      ["data0", "ns1/green", false],
    ]);
    expect(res.interfaces[0]!.ips[0]!.address).toBe("10.1.2.3/24");
    expect(JSON.parse(res.primaryResultJson).cniVersion).toBe("0.4.0");
    expect(JSON.parse(res.interfaces[1]!.delegateResultJson).cniVersion).toBe("1.0.0");
    const status = JSON.parse(res.networkStatusJson) as Array<{ name: string; interface: string; default?: boolean }>;
    expect(status.map((s) => [s.name, s.interface, s.default ?? false])).toEqual([
      ["cluster", "eth0", true],
      ["ns1/blue", "net1", false],
      ["ns1/green", "data0", false],
    ]);
    // The cluster network first, then the secondaries concurrently (parallelSecondaries, the default).
    expect(inStages(await invocations("c1"))).toEqual([["ADD eth0 cluster"], ["ADD data0 green", "ADD net1 blue"]]);

    const { attachments } = await d.client.api.listAttachments({ podNamespace: "ns1", podName: "pod-c1" });
    expect(attachments).toHaveLength(1);
    expect(attachments[0]!.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1", "data0"]);
    expect(attachments[0]!.createTime).toBeInstanceOf(Date);

    await d.client.api.checkNetworks({ containerId: "c1" });
    expect((await invocations("c1")).filter((l) => l.startsWith("CHECK"))).toEqual([
      "CHECK eth0 cluster",
      "CHECK net1 blue",
      "CHECK data0 green",
    ]);

    const removed = await d.client.api.detachNetworks({ containerId: "c1", netnsPath: netns.path });
    expect(removed.removed.map((r) => r.interface)).toEqual(["data0", "net1", "eth0"]);
    expect(inStages((await invocations("c1")).filter((l) => l.startsWith("DEL")))).toEqual([
      ["DEL data0 green", "DEL net1 blue"],
      ["DEL eth0 cluster"],
    ]);
    expect((await d.client.api.listAttachments({ containerId: "c1" })).attachments).toEqual([]);
  });

  it("ResolveNetworks returns the plan with sources and final configs, running nothing", async () => {
    const before = await allInvocations();
    const plan = await d.client.api.resolveNetworks({ ...attachReq("r1", "blue@x1"), containerId: "", netnsPath: "" });
    expect(plan.networks.map((n) => [n.network, n.interface])).toEqual([
      ["cluster", "eth0"],
      ["ns1/blue", "x1"],
    ]);
    expect(plan.networks[0]!.origin?.confFile?.path).toBe(join(dir, "net.d", "10-cluster.conflist"));
    expect(plan.networks[1]!.origin?.definition).toMatchObject({
      namespace: "ns1",
      name: "blue",
      manifestPath: join(dir, "definitions", "nads.yaml"),
    });
    const config = JSON.parse(plan.networks[1]!.configJson) as { name: string; plugins: Array<{ type: string }> };
    expect(config.name).toBe("blue");
    expect(config.plugins[0]!.type).toBe("noop");
    expect(await allInvocations()).toEqual(before);
  });

  it("GarbageCollect removes attachments that are not valid any more", async () => {
    // Each sandbox its own namespace: the daemon refuses a second one into a namespace already held.
    const own = await createScratchNetns();
    try {
      await d.client.api.attachNetworks(attachReq("gc1", ""));
      await d.client.api.attachNetworks(attachReq("gc2", "", { netnsPath: own.path }));
      const res = await d.client.api.garbageCollect({ validAttachments: { containerIds: ["gc2"] } });
      expect(res.removedContainerIds).toContain("gc1");
      expect(res.removedContainerIds).not.toContain("gc2");
      expect((await d.client.api.listAttachments({ containerId: "gc1" })).attachments).toEqual([]);
      expect((await d.client.api.listAttachments({ containerId: "gc2" })).attachments).toHaveLength(1);
      await d.client.api.detachNetworks({ containerId: "gc2" });
    } finally {
      await own.close();
    }
  });

  it("DetachNetworks of a container with nothing saved DELs the cluster network from its config with an empty netns, once; a settled one runs nothing", async () => {
    const res = await d.client.api.detachNetworks({ containerId: "never-attached" });
    expect(res.removed).toEqual([{ network: "cluster", interface: "eth0" }]);
    expect(await invocations("never-attached")).toEqual(["DEL eth0 cluster"]);
    expect((await debugLines()).find((l) => l.env.CNI_CONTAINERID === "never-attached")?.env.CNI_NETNS).toBe("");
    expect((await d.client.api.detachNetworks({ containerId: "never-attached" })).removed).toEqual([]);
    expect(await invocations("never-attached")).toEqual(["DEL eth0 cluster"]);
  });

  it("GetStatus reports ready with the cluster network", async () => {
    const s = await d.client.api.getStatus({});
    expect(s.ready).toBe(true);
    expect(s.clusterNetwork).toMatchObject({ name: "cluster", ok: true });
    expect((await d.client.health.check({ service: "" })).status).toBe(1);
  });
});

describe("errors end to end", () => {
  it("a failing third delegate: the first two are rolled back; the error names network, plugin and code", async () => {
    const f = await failure(d.client.api.attachNetworks(attachReq("f1", "blue,red")));
    expect(f.code).toBe(Status.UNKNOWN); // plugin code 117 ≥ 100
    expect(f.info.reason).toBe("PLUGIN_FAILED");
    expect(f.info.metadata).toMatchObject({ cniCode: "117", network: "ns1/red", plugin: "noop" });
    expect(f.message).toContain("red refuses");
    // The failed delegate is deleted too (it may have left something behind), then the others in reverse.
    expect(inStages(await invocations("f1"))).toEqual([
      ["ADD eth0 cluster"],
      ["ADD net1 blue", "ADD net2 red"],
      ["DEL net1 blue", "DEL net2 red"],
      ["DEL eth0 cluster"],
    ]);
    expect((await d.client.api.listAttachments({ containerId: "f1" })).attachments).toEqual([]);
  });

  it("the gRPC status follows the plugin's CNI code (3 → NOT_FOUND)", async () => {
    const f = await failure(d.client.api.attachNetworks(attachReq("f2", "gone")));
    expect(f.code).toBe(Status.NOT_FOUND);
    expect(f.info.metadata).toMatchObject({ cniCode: "3", network: "ns1/gone" });
  });

  it.each([
    ["a malformed text annotation", "blue@x@y", Status.INVALID_ARGUMENT, "INVALID_ANNOTATION", "blue@x@y"],
    ["a malformed JSON annotation", '[{"name": 5}]', Status.INVALID_ARGUMENT, "INVALID_ANNOTATION", "name"],
    ["an unknown network", "blue,purple", Status.NOT_FOUND, "NETWORK_NOT_FOUND", "ns1/purple"],
    [
      "a duplicate interface name",
      "blue@data0,ns1/green@data0",
      Status.INVALID_ARGUMENT,
      "INTERFACE_CONFLICT",
      "data0",
    ],
    [
      "a too-long interface name",
      "blue@abcdefghijklmnop",
      Status.INVALID_ARGUMENT,
      "INTERFACE_CONFLICT",
      "abcdefghijklmnop",
    ],
    ["a missing plugin", "nobin", Status.FAILED_PRECONDITION, "PLUGIN_NOT_FOUND", "no-such-plugin"],
  ])("%s (%s) → status %i, %s naming the culprit; nothing runs", async (_what, annotation, status, reason, culprit) => {
    const cid = `bad-${Math.random().toString(16).slice(2, 10)}`;
    const f = await failure(d.client.api.attachNetworks(attachReq(cid, annotation)));
    expect(Status[f.code]).toBe(Status[status]);
    expect(f.info.reason).toBe(reason);
    expect(f.message).toContain(culprit);
    expect(await invocations(cid)).toEqual([]);
  });

  it("a request field that is not valid JSON → INVALID_REQUEST naming the field", async () => {
    const f = await failure(
      d.client.api.attachNetworks(
        attachReq("bad-json", "", {
          selections: [{ name: "blue", ips: [], portMappings: [], cniArgsJson: "{nope", namespace: "ns1" }],
        }),
      ),
    );
    expect(f.code).toBe(Status.INVALID_ARGUMENT);
    expect(f.info.reason).toBe("INVALID_REQUEST");
    expect(f.message).toContain("selections[0].cni_args_json");
    expect(await invocations("bad-json")).toEqual([]);
  });

  it("a CNI_ARGS value with '=' → INVALID_REQUEST naming the pair, before any plugin runs", async () => {
    const f = await failure(
      d.client.api.attachNetworks(attachReq("bad-args", "", { cniArgs: [{ key: "FOO", value: "a=b" }] })),
    );
    expect(f.code).toBe(Status.INVALID_ARGUMENT);
    expect(f.info.reason).toBe("INVALID_REQUEST");
    expect(f.message).toBe(
      `cniArgs[0] "FOO"="a=b": the value contains '=', which plugins refuse ("ARGS: invalid pair")`,
    );
    expect(await invocations("bad-args")).toEqual([]);
  });

  it("CheckNetworks before attach → NOT_FOUND ATTACHMENT_NOT_FOUND", async () => {
    const f = await failure(d.client.api.checkNetworks({ containerId: "never-attached" }));
    expect(f.code).toBe(Status.NOT_FOUND);
    expect(f.info).toMatchObject({ reason: "ATTACHMENT_NOT_FOUND", metadata: { cniCode: "3" } });
  });
});
