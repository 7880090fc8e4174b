// Issue 8: arbitrary AttachNetworks / ResolveNetworks / DetachNetworks requests over real gRPC to a
// real daemon composed like main.ts (test-double plugin). Whatever is sent — any unicode, lone
// surrogates inside JSON fields, huge numbers, deep JSON, the host's own netns — each call
// succeeds or fails with a catalog error (never INTERNAL or UNKNOWN), quickly, with a bounded
// message; the daemon keeps answering, and the host's links and addresses are unchanged.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { Status } from "nice-grpc-common";
import { RichClientError, ErrorInfo } from "nice-grpc-error-details";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AttachNetworksRequest,
  DetachNetworksRequest,
  ResolveNetworksRequest,
} from "../../proto/gen/netattach/v1/attachment_service.js";
import type { NetworkSelection } from "../../proto/gen/netattach/v1/selection.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { hostLinks } from "../helpers/host-net.js";
import { deepText, heapGrowthUnder, nastyJson, nastyString, PROTO_KEYS, runs, withinMs } from "../helpers/property.js";
import { createScratchNetnsPool } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
const NETWORKS = "k8s.v1.cni.cncf.io/networks";
/** What a caller's bad input may get; INTERNAL (our bug) and UNKNOWN (a plugin's failure) may not. */
const INPUT_STATUSES = [
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.FAILED_PRECONDITION,
  Status.RESOURCE_EXHAUSTED,
];

let d: TestDaemon;
let dir: string;
/** A namespace of its own for every container, as a runtime gives it. */
const netns = createScratchNetnsPool();
const attached = new Set<string>();
/** Interface names requests asked for (with the generated ones): a host link of such a name is what a forged netns would hit. */
const ifNamesSent = new Set(["eth0", "lo", "net1", "net2", "net3"]);

beforeAll(async () => {
  dir = await tempDir("na-api-props-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await mkdir(join(dir, "definitions"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  const noop = { type: "noop" };
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [noop] }),
  );
  const config = JSON.stringify({
    cniVersion: "1.0.0",
    name: "blue",
    plugins: [{ ...noop, capabilities: { portMappings: true, bandwidth: true, ips: true, mac: true } }],
  });
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
  for (const id of attached) await d?.client.api.detachNetworks({ containerId: id }).catch(() => undefined);
  await d?.stop();
  await netns.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A string with a lone surrogate, JSON-escaped: the only way one reaches the daemon through protobuf's UTF-8. */
const loneSurrogateJson = fc.constantFrom(
  '{"a":"\\ud800"}',
  '[{"name":"blue","interface":"\\udc00x"}]',
  '[{"name":"\\ud83d","cni-args":{"\\ud800":1}}]',
  '{"name":"blue","mac":"\\udfff"}',
);
const jsonText = fc.oneof(
  nastyJson.map((v) => JSON.stringify(v) ?? ""),
  loneSurrogateJson,
  fc.integer({ min: 1, max: 20_000 }).map((n) => `{"a":${deepText(n)}}`),
  fc.constantFrom("{}", '{"x":1}', `{"${PROTO_KEYS[0]}":{"polluted":true}}`, `{"n":1e400}`),
);
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const int64 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER));
const portMapping = fc.record({
  hostPort: int32,
  containerPort: int32,
  protocol: fc.oneof(fc.constantFrom("", "tcp", "UDP"), nastyString(6)),
  hostIp: fc.oneof(fc.constant(""), nastyString()),
});
const bandwidth = fc.record({
  ingressRate: fc.option(int64, { nil: undefined }),
  ingressBurst: fc.option(int64, { nil: undefined }),
  egressRate: fc.option(int64, { nil: undefined }),
  egressBurst: fc.option(int64, { nil: undefined }),
});
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

/** `base`, each field replaced by its arbitrary one time in `1 + keep`: most requests are nearly valid, so they get past the first check. */
function mutated<T extends object>(
  base: T,
  fields: { [K in keyof T]?: fc.Arbitrary<T[K]> },
  keep = 4,
): fc.Arbitrary<T> {
  const parts = Object.fromEntries(
    Object.entries(fields).map(([k, a]) => [
      k,
      fc.oneof(
        { arbitrary: fc.constant(NO_CHANGE), weight: keep },
        { arbitrary: a as fc.Arbitrary<unknown>, weight: 1 },
      ),
    ]),
  );
  return fc.record(parts).map((changes) => {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(changes)) if (v !== NO_CHANGE) out[k] = v;
    return out as T;
  });
}
const NO_CHANGE = Symbol("no change");

const selection: fc.Arbitrary<NetworkSelection> = mutated<NetworkSelection>(
  { name: "blue", namespace: "ns1", ips: [], portMappings: [], cniArgsJson: "" },
  {
    name: nastyString(),
    namespace: maybe(nastyString()),
    interface: maybe(fc.oneof(fc.constantFrom("net9", "lo", "eth0"), nastyString(20))),
    ips: fc.array(fc.oneof(fc.constant("10.9.0.2/24"), nastyString()), { maxLength: 2 }),
    mac: maybe(fc.oneof(fc.constant("02:00:00:00:00:01"), nastyString())),
    defaultRoute: maybe(fc.record({ gateways: fc.array(nastyString(), { maxLength: 2 }) })),
    portMappings: fc.array(portMapping, { maxLength: 2 }),
    bandwidth: maybe(bandwidth),
    cniArgsJson: jsonText,
    infinibandGuid: maybe(nastyString()),
    deviceId: maybe(nastyString()),
    ipamClaimReference: maybe(nastyString()),
  },
  6,
);

const containerId = fc.oneof(fc.stringMatching(/^[a-z0-9]{8,16}$/), nastyString(200));
const pod = fc.record({
  namespace: fc.oneof(fc.constant("ns1"), nastyString()),
  name: fc.oneof(fc.constant("pod-a"), nastyString(300)),
  uid: fc.oneof(fc.constant("u-1"), nastyString()),
});
const netnsPath = fc.oneof(
  fc.constant("scratch"),
  fc.constantFrom("/proc/self/ns/net", "/proc/1/ns/net", "/", "/dev/null", ""),
  nastyString(),
);
const annotations = fc.oneof(
  fc.constant(undefined),
  fc.record({
    values: fc.dictionary(
      fc.oneof(fc.constant(NETWORKS), nastyString(20)),
      fc.oneof(fc.constantFrom("blue", "ns1/blue@net5", "blue@lo"), nastyString(100), jsonText),
      { maxKeys: 3 },
    ),
  }),
);
const runtimeConfig = maybe(
  fc.record({
    portMappings: fc.array(portMapping, { maxLength: 2 }),
    bandwidth: maybe(bandwidth),
    dns: maybe(
      fc.record({
        servers: fc.array(nastyString(), { maxLength: 2 }),
        searches: fc.array(nastyString(), { maxLength: 2 }),
        options: fc.array(nastyString(), { maxLength: 2 }),
      }),
    ),
    ips: fc.array(nastyString(), { maxLength: 2 }),
    mac: maybe(nastyString()),
    cgroupPath: maybe(nastyString()),
    extraJson: fc.oneof(fc.constant(""), jsonText),
  }),
);
const cniArgs = fc.array(
  fc.record({
    key: fc.oneof(fc.constantFrom(...PROTO_KEYS, "K8S_POD_NAME", "IgnoreUnknown"), nastyString(10)),
    value: nastyString(20),
  }),
  { maxLength: 4 },
);

const BASE: AttachNetworksRequest = {
  containerId: "",
  netnsPath: "scratch",
  pod: { namespace: "ns1", name: "pod-a", uid: "u-1" },
  annotations: { values: { [NETWORKS]: "blue" } },
  selections: [],
  primaryInterface: "eth0",
  cniArgs: [],
  cniVersion: "",
};
const attachRequest: fc.Arbitrary<AttachNetworksRequest> = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{12}$/),
    mutated(
      BASE,
      {
        containerId,
        netnsPath,
        pod: maybe(pod),
        annotations,
        selections: fc.array(selection, { maxLength: 2 }),
        primaryInterface: fc.oneof(fc.constantFrom("", "lo"), nastyString(20)),
        runtimeConfig,
        cniArgs,
        cniVersion: fc.oneof(fc.constantFrom("1.0.0", "0.3.1", "2.0.0"), nastyString()),
      },
      4,
    ),
  )
  .map(([id, req]) => (req.containerId === "" ? { ...req, containerId: `p${id}` } : req));

async function withNetns<T extends { containerId: string; netnsPath?: string | undefined }>(req: T): Promise<T> {
  return req.netnsPath === "scratch" ? { ...req, netnsPath: await netns.path(req.containerId) } : req;
}

/** The call's outcome must be success or a catalog error for bad input, quick and with a bounded message. */
async function expectCatalogOutcome(call: () => Promise<unknown>): Promise<boolean> {
  const outcome = await withinMs(5_000, () =>
    call().then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
  if (outcome === undefined) return true;
  expect(outcome, String(outcome)).toBeInstanceOf(RichClientError);
  const e = outcome as RichClientError;
  expect(INPUT_STATUSES, `${Status[e.code]}: ${e.details}`).toContain(e.code);
  expect(Buffer.byteLength(e.details)).toBeLessThanOrEqual(1024);
  if (e.code !== Status.RESOURCE_EXHAUSTED) expect(e.extra.some((x) => x.$type === ErrorInfo.$type)).toBe(true);
  return false;
}

/** Names and addresses of the host's links: what the daemon must never change. */
async function hostSnapshot(): Promise<Map<string, string>> {
  return new Map((await hostLinks()).map((l) => [l.ifname, `${l.address ?? ""}/${l.operstate ?? ""}`]));
}

/** Afterwards: every host link is still there, unchanged, and none was created with a name we sent. */
async function expectHostUnchanged(before: Map<string, string>, namesSent: ReadonlySet<string>): Promise<void> {
  const after = await hostSnapshot();
  for (const [name, state] of before)
    if (namesSent.has(name) || name === "lo") expect(after.get(name), `host link ${name}`).toBe(state);
  for (const name of after.keys())
    if (!before.has(name)) expect(namesSent.has(name), `new host link ${name}`).toBe(false);
}

async function expectDaemonAnswers(): Promise<void> {
  const id = `alive${Date.now()}`;
  await d.client.api.attachNetworks({
    containerId: id,
    netnsPath: await netns.path(id),
    pod: { namespace: "ns1", name: "alive", uid: "u" },
    annotations: { values: { [NETWORKS]: "blue" } },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
  });
  await d.client.api.detachNetworks({ containerId: id });
}

describe("the API over real gRPC: properties", () => {
  it("AttachNetworks with any request: a result or a catalog error; the host untouched; the daemon answers", async () => {
    const before = await hostSnapshot();
    // The daemon runs in this process: its heap is this heap.
    await heapGrowthUnder(200, () =>
      fc.assert(
        fc.asyncProperty(attachRequest, async (raw) => {
          const req = await withNetns(raw);
          ifNamesSent.add(req.primaryInterface);
          for (const s of req.selections) if (s.interface !== undefined) ifNamesSent.add(s.interface);
          if (await expectCatalogOutcome(() => d.client.api.attachNetworks(req))) attached.add(req.containerId);
        }),
        runs(20),
      ),
    );
    await expectDaemonAnswers();
    await expectHostUnchanged(before, ifNamesSent);
  });

  it("ResolveNetworks with any request: the same, and nothing is saved or run", async () => {
    await fc.assert(
      fc.asyncProperty(attachRequest, async (raw) => {
        const { cniVersion: _unused, ...rest } = await withNetns(raw);
        const req: ResolveNetworksRequest = rest;
        await expectCatalogOutcome(() => d.client.api.resolveNetworks(req));
      }),
      runs(60),
    );
    await expectDaemonAnswers();
  });

  it("DetachNetworks with any request (forged netns included): the same; host links survive", async () => {
    const before = await hostSnapshot();
    const detach: fc.Arbitrary<DetachNetworksRequest> = fc.record({
      containerId: fc.oneof(containerId, fc.constantFrom("alive0", ...attached)),
      netnsPath: maybe(netnsPath),
      pod: maybe(pod),
      primaryInterface: fc.constantFrom("", "eth0"),
      cniArgs: fc.constant([]),
    });
    await fc.assert(
      fc.asyncProperty(detach, async (req) => {
        const withPath = await withNetns(req);
        await expectCatalogOutcome(() => d.client.api.detachNetworks(withPath));
      }),
      runs(30),
    );
    await expectDaemonAnswers();
    await expectHostUnchanged(before, ifNamesSent);
  });

  it.each<[string, string, Partial<AttachNetworksRequest>]>([
    [
      "a JSON annotation whose parse error cuts a surrogate pair",
      "INVALID_ANNOTATION",
      { annotations: { values: { [NETWORKS]: `xa[${"\u{1F600}".repeat(20)}` } } },
    ],
    [
      "a lone surrogate as an interface name (U+FFFD on the node)",
      "INTERFACE_CONFLICT",
      { annotations: { values: { [NETWORKS]: '[{"name":"blue","interface":"\\ud800"}]' } } },
    ],
    ["interface lo", "INTERFACE_CONFLICT", { annotations: { values: { [NETWORKS]: "blue@lo" } } }],
    [
      "a pod name that is not a Kubernetes name",
      "INVALID_REQUEST",
      { pod: { namespace: "ns1", name: "Pod;X=1", uid: "u" } },
    ],
    [
      "a pod UID of 140 000 characters (plugins would fail with E2BIG)",
      "INVALID_REQUEST",
      { pod: { namespace: "ns1", name: "pod-a", uid: "u".repeat(140_000) } },
    ],
    ["a CNI_ARGS key with '='", "INVALID_REQUEST", { cniArgs: [{ key: "a=b", value: "1" }] }],
    ["a CNI_ARGS value with '='", "INVALID_REQUEST", { cniArgs: [{ key: "FOO", value: "a=b" }] }],
    [
      "CNI_ARGS past limits.maxCniArgsBytes",
      "LIMIT_EXCEEDED",
      { cniArgs: [{ key: "BIG", value: "v".repeat(20_000) }] },
    ],
  ])("regression: %s is INVALID_ARGUMENT %s, and the daemon answers", async (what, reason, over) => {
    const containerId = `reg${what.length}`;
    attached.add(containerId); // Detached at the end should it succeed.
    const req: AttachNetworksRequest = {
      containerId,
      netnsPath: await netns.path(containerId),
      pod: { namespace: "ns1", name: "pod-a", uid: "u" },
      annotations: { values: { [NETWORKS]: "blue" } },
      selections: [],
      primaryInterface: "eth0",
      cniArgs: [],
      cniVersion: "",
      ...over,
    };
    const err = await d.client.api.attachNetworks(req).then(
      () => expect.fail("attached"),
      (e: unknown) => e as RichClientError,
    );
    expect([Status[err.code], err.extra.find((x): x is ErrorInfo => x.$type === ErrorInfo.$type)?.reason]).toEqual([
      "INVALID_ARGUMENT",
      reason,
    ]);
    await expectDaemonAnswers();
  });
});
