// gRPC server reflection, used the way grpcurl uses it: list services, fetch the file
// descriptors (and their dependencies) by symbol, then call every method with a dynamic
// client built only from what reflection returned.
import * as grpc from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import {
  FileDescriptorProto,
  FileDescriptorSet,
  MethodOptions,
} from "google-protobuf/google/protobuf/descriptor_pb.js";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import {
  ServerReflectionRequest,
  type ServerReflectionResponse,
} from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachResult, AttachmentPlan } from "../../server/src/attach/index.js";
import { createFakeService, startDaemonWith, type FakeService, type TestDaemon } from "../helpers/daemon.js";

const SERVICE = "netattach.v1.AttachmentService";
const PLAN: AttachmentPlan = {
  containerId: "c1",
  netns: "/n",
  pod: { namespace: "ns", name: "p", uid: "u" },
  primaryIfName: "eth0",
  delegates: [
    {
      network: "cbr",
      ifName: "eth0",
      isDefault: true,
      config: { cniVersion: "1.0.0", name: "cbr", plugins: [{ type: "bridge" }] },
      capabilityArgs: {},
      cniArgs: [["K8S_POD_NAME", "p"]],
      origin: { kind: "conf-file", path: "/etc/cni/net.d/10-cbr.conflist" },
    },
  ],
};
const RESULT: AttachResult = {
  interfaces: [
    {
      network: "cbr",
      ifName: "eth0",
      ips: [{ address: "10.0.0.2/24" }],
      isDefault: true,
      gateways: [],
      result: { cniVersion: "1.0.0" },
    },
  ],
  primaryResult: { cniVersion: "1.0.0" },
  networkStatus: [],
};

/** A reflection stream: one request, one response. `version` v1alpha = what grpcurl < 1.9 speaks. */
function reflectionClient(socketPath: string, version: "v1" | "v1alpha" = "v1") {
  const definition = Object.fromEntries(
    Object.entries(ServerReflectionService).map(([name, m]) => [
      name,
      { ...m, path: m.path.replace("/grpc.reflection.v1.", `/grpc.reflection.${version}.`) },
    ]),
  ) as typeof ServerReflectionService;
  const Ctor = grpc.makeGenericClientConstructor(definition, "ServerReflection");
  const client = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure());
  const ask = (req: ServerReflectionRequest): Promise<ServerReflectionResponse> =>
    new Promise((resolve, reject) => {
      const stream = (
        client as unknown as {
          serverReflectionInfo(): grpc.ClientDuplexStream<ServerReflectionRequest, ServerReflectionResponse>;
        }
      ).serverReflectionInfo();
      stream.once("data", (res: ServerReflectionResponse) => {
        resolve(res);
        stream.end();
      });
      stream.once("error", reject);
      stream.write(req);
    });
  return { ask, close: () => client.close() };
}

let d: TestDaemon;
let fake: FakeService;
let reflection: ReturnType<typeof reflectionClient>;

beforeAll(async () => {
  fake = createFakeService({
    status: { ready: true, reasons: [] },
    attach: RESULT,
    detach: { removed: [{ network: "cbr", ifName: "eth0" }], orphaned: [] },
    check: undefined,
    gc: {
      removedContainerIds: ["old"],
      errors: [],
      dryRun: false,
      sources: ["the caller's valid attachments"],
      notes: [],
      items: [],
    },
    list: { attachments: [], unreadable: [] },
    resolve: { plan: PLAN },
  });
  d = await startDaemonWith(fake);
  reflection = reflectionClient(d.socketPath);
});
afterAll(async () => {
  reflection?.close();
  await d?.stop();
});

async function filesFor(symbol: string): Promise<FileDescriptorProto[]> {
  const files = new Map<string, FileDescriptorProto>();
  const add = (res: ServerReflectionResponse): string[] => {
    expect(res.getErrorResponse()).toBeUndefined();
    const deps: string[] = [];
    for (const bytes of res.getFileDescriptorResponse()!.getFileDescriptorProtoList_asU8()) {
      const fd = FileDescriptorProto.deserializeBinary(bytes);
      files.set(fd.getName()!, fd);
      deps.push(...fd.getDependencyList());
    }
    return deps;
  };
  const pending = add(await reflection.ask(new ServerReflectionRequest().setFileContainingSymbol(symbol)));
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (!files.has(name))
      pending.push(...add(await reflection.ask(new ServerReflectionRequest().setFileByFilename(name))));
  }
  return [...files.values()];
}

describe("server reflection", () => {
  it("lists the attachment service", async () => {
    const res = await reflection.ask(new ServerReflectionRequest().setListServices("*"));
    const names = res
      .getListServicesResponse()!
      .getServiceList()
      .map((s) => s.getName());
    expect(names).toContain(SERVICE);
  });

  it("describes every method, with the idempotency levels of the proto", async () => {
    const files = await filesFor(SERVICE);
    expect(files.map((f) => f.getName()).sort()).toEqual([
      "google/protobuf/timestamp.proto",
      "netattach/v1/attachment.proto",
      "netattach/v1/attachment_service.proto",
      "netattach/v1/plan.proto",
      "netattach/v1/sandbox.proto",
      "netattach/v1/selection.proto",
    ]);
    const svc = files.flatMap((f) => f.getServiceList()).find((s) => s.getName() === "AttachmentService")!;
    const level = (m: string): string => {
      const method = svc.getMethodList().find((x) => x.getName() === m)!;
      const opts = method.getOptions();
      const value = opts?.hasIdempotencyLevel()
        ? opts.getIdempotencyLevel()
        : MethodOptions.IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
      return Object.entries(MethodOptions.IdempotencyLevel).find(([, v]) => v === value)![0];
    };
    expect(Object.fromEntries(svc.getMethodList().map((m) => [m.getName(), level(m.getName()!)]))).toEqual({
      AttachNetworks: "IDEMPOTENCY_UNKNOWN",
      DetachNetworks: "IDEMPOTENT",
      CheckNetworks: "IDEMPOTENT",
      GarbageCollect: "IDEMPOTENT",
      GetStatus: "NO_SIDE_EFFECTS",
      ListAttachments: "NO_SIDE_EFFECTS",
      ResolveNetworks: "NO_SIDE_EFFECTS",
      // Hot-plug: a repeat is not the same call (a second attach plugs another interface), so never retried.
      AttachNetwork: "IDEMPOTENCY_UNKNOWN",
      DetachNetwork: "IDEMPOTENCY_UNKNOWN",
    });
  });

  it("lists every service the daemon serves, and each one resolves to its descriptor", async () => {
    const res = await reflection.ask(new ServerReflectionRequest().setListServices("*"));
    const names = res
      .getListServicesResponse()!
      .getServiceList()
      .map((s) => s.getName());
    expect(names.sort()).toEqual(
      [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "netattach.v1.AttachmentService",
        "netattach.v1.EventService",
      ].sort(),
    );
    for (const name of names) {
      const files = await filesFor(name);
      const short = name.slice(name.lastIndexOf(".") + 1);
      expect(
        files.flatMap((f) => f.getServiceList().map((svc) => `${f.getPackage()}.${svc.getName()}`)),
        name,
      ).toContain(name);
      expect(files.length, short).toBeGreaterThan(0);
    }
  });

  it("describes grpc.health.v1.Health well enough for a dynamic client to call it", async () => {
    const files = await filesFor("grpc.health.v1.Health");
    expect(files.map((f) => f.getName())).toEqual(["grpc/health/v1/health.proto"]);
    const svc = files[0]!.getServiceList().find((s) => s.getName() === "Health")!;
    expect(
      svc
        .getMethodList()
        .map((m) => [m.getName(), m.getInputType(), m.getOutputType(), m.getServerStreaming() ?? false]),
    ).toEqual([
      ["Check", ".grpc.health.v1.HealthCheckRequest", ".grpc.health.v1.HealthCheckResponse", false],
      ["Watch", ".grpc.health.v1.HealthCheckRequest", ".grpc.health.v1.HealthCheckResponse", true],
    ]);
    const set = new FileDescriptorSet();
    set.setFileList(files);
    const pkg = grpc.loadPackageDefinition(
      loadFileDescriptorSetFromBuffer(Buffer.from(set.serializeBinary()), { enums: String, defaults: true }),
    );
    const Health = ((pkg.grpc as grpc.GrpcObject).health as grpc.GrpcObject & { v1: grpc.GrpcObject }).v1
      .Health as grpc.ServiceClientConstructor;
    const client = new Health(`unix://${d.socketPath}`, grpc.credentials.createInsecure()) as unknown as {
      check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
    } & grpc.Client;
    try {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        client.check({ service: SERVICE }, (err, r) => (err ? reject(err) : resolve(r))),
      );
      expect(res.status).toBe("SERVING");
    } finally {
      client.close();
    }
  });

  it("describes reflection itself and the event stream", async () => {
    const v1alpha = await filesFor("grpc.reflection.v1alpha.ServerReflection");
    expect(v1alpha.map((f) => f.getName()).sort()).toEqual([
      "grpc/reflection/v1/reflection.proto",
      "grpc/reflection/v1alpha/reflection.proto",
    ]);
    const events = await filesFor("netattach.v1.EventService");
    const method = events
      .flatMap((f) => f.getServiceList())
      .find((s) => s.getName() === "EventService")!
      .getMethodList()[0]!;
    expect([method.getName(), method.getServerStreaming(), method.getOutputType()]).toEqual([
      "WatchEvents",
      true,
      ".netattach.v1.WatchEventsResponse",
    ]);
  });

  it("also answers under the v1alpha name (older grpcurl)", async () => {
    const old = reflectionClient(d.socketPath, "v1alpha");
    try {
      const res = await old.ask(new ServerReflectionRequest().setListServices("*"));
      expect(
        res
          .getListServicesResponse()!
          .getServiceList()
          .map((s) => s.getName()),
      ).toContain(SERVICE);
    } finally {
      old.close();
    }
  });

  it("answers NOT_FOUND for an unknown symbol", async () => {
    const res = await reflection.ask(new ServerReflectionRequest().setFileContainingSymbol("nope.Missing"));
    expect(res.getErrorResponse()?.getErrorCode()).toBe(grpc.status.NOT_FOUND);
  });

  it("is enough to call every method with a dynamic client (as grpcurl does)", async () => {
    const set = new FileDescriptorSet();
    set.setFileList(await filesFor(SERVICE));
    const pkg = grpc.loadPackageDefinition(
      loadFileDescriptorSetFromBuffer(Buffer.from(set.serializeBinary()), { defaults: true, enums: String }),
    );
    const Ctor = (pkg.netattach as grpc.GrpcObject & { v1: grpc.GrpcObject }).v1
      .AttachmentService as grpc.ServiceClientConstructor;
    const client = new Ctor(`unix://${d.socketPath}`, grpc.credentials.createInsecure()) as unknown as Record<
      string,
      (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void
    >;
    const call = (method: string, req: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) =>
        client[method]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
      );
    try {
      // proto-loader keeps the proto's field names (snake_case), as grpcurl's -format text does.
      const pod = { namespace: "ns", name: "p", uid: "u" };
      expect(await call("AttachNetworks", { container_id: "c1", netns_path: "/n", pod })).toMatchObject({
        interfaces: [{ network: "cbr", interface: "eth0" }],
      });
      expect(await call("DetachNetworks", { container_id: "c1" })).toMatchObject({
        removed: [{ network: "cbr", interface: "eth0" }],
      });
      expect(await call("CheckNetworks", { container_id: "c1" })).toEqual({});
      expect(await call("GarbageCollect", { valid_attachments: { container_ids: ["c1"] } })).toMatchObject({
        removed_container_ids: ["old"],
      });
      expect(await call("GetStatus", {})).toMatchObject({ ready: true });
      expect(await call("ListAttachments", {})).toMatchObject({ attachments: [] });
      const plan = await call("ResolveNetworks", { pod });
      expect(plan).toMatchObject({
        primary_interface: "eth0",
        networks: [{ network: "cbr", origin: { conf_file: { path: "/etc/cni/net.d/10-cbr.conflist" } } }],
      });
      const requests = Object.fromEntries(fake.calls.map((c) => [c.method, c.request]));
      expect(requests.attach).toMatchObject({ containerId: "c1", netns: "/n", pod, primaryIfName: "eth0" });
      expect(requests.detach).toMatchObject({ containerId: "c1" });
      expect(requests.check).toEqual({ containerId: "c1" });
      expect(requests.gc).toEqual({ validContainerIds: ["c1"] });
      expect(requests.resolve).toMatchObject({ pod });
      expect(Object.keys(requests).sort()).toEqual(["attach", "check", "detach", "gc", "list", "resolve", "status"]);
    } finally {
      (client as unknown as grpc.Client).close();
    }
  });
});
