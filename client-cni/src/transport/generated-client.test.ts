import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import {
  AttachmentServiceDefinition,
  DetachNetworksRequest,
  DetachNetworksResponse,
  GetStatusResponse,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { createGeneratedClient } from "./generated-client.js";
import type { UnaryCallOptions, UnaryTransport } from "./connect-transport.js";

/** Answers every call with `reply`, or with what `reply` gives for the call's path. */
function fakeTransport(
  reply: Uint8Array | ((path: string) => Uint8Array),
): UnaryTransport & { calls: { path: string; request: Uint8Array; options?: UnaryCallOptions }[] } {
  const calls: { path: string; request: Uint8Array; options?: UnaryCallOptions }[] = [];
  const answer = (path: string): Uint8Array => (typeof reply === "function" ? reply(path) : reply);
  return { calls, call: async (path, request, options) => (calls.push({ path, request, options }), answer(path)) };
}

describe("createGeneratedClient", () => {
  it("has every unary method of the generated definition", () => {
    const client = createGeneratedClient(AttachmentServiceDefinition, fakeTransport(new Uint8Array()));
    expect(Object.keys(client).sort()).toEqual(Object.keys(AttachmentServiceDefinition.methods).sort());
  });

  it("calls /package.Service/Method with the generated encoder and decodes with the generated decoder", async () => {
    const status = GetStatusResponse.encode(GetStatusResponse.fromPartial({ ready: true, reasons: ["r"] })).finish();
    const detached = DetachNetworksResponse.encode(
      DetachNetworksResponse.fromPartial({ orphaned: [{ network: "n", interface: "net1", cause: "c" }] }),
    ).finish();
    const transport = fakeTransport((path) => (path.endsWith("/GetStatus") ? status : detached));
    const client = createGeneratedClient(AttachmentServiceDefinition, transport);
    const deadline = new Date(5_000);
    await expect(client.getStatus({}, { deadline })).resolves.toMatchObject({ ready: true, reasons: ["r"] });
    const req = {
      containerId: "c1",
      netnsPath: "",
      pod: { namespace: "ns", name: "p", uid: "u" },
      primaryInterface: "eth0",
      cniArgs: [],
    };
    await expect(client.detachNetworks(req)).resolves.toEqual({
      removed: [],
      orphaned: [{ network: "n", interface: "net1", cause: "c" }],
    });
    expect(transport.calls.map((c) => c.path)).toEqual([
      "/netattach.v1.AttachmentService/GetStatus",
      "/netattach.v1.AttachmentService/DetachNetworks",
    ]);
    expect(transport.calls[0]?.options).toEqual({ deadline });
    expect(DetachNetworksRequest.decode(transport.calls[1]?.request ?? new Uint8Array())).toEqual(req);
  });

  it("a reply that does not decode is INTERNAL, naming the method", async () => {
    const client = createGeneratedClient(
      AttachmentServiceDefinition,
      fakeTransport(new Uint8Array([0xff, 0xff, 0xff])),
    );
    await expect(client.getStatus({})).rejects.toMatchObject({
      code: Status.INTERNAL,
      path: "/netattach.v1.AttachmentService/GetStatus",
    });
  });
});
