import { Status } from "nice-grpc-common";
import { Any } from "nice-grpc-error-details/lib/proto/google/protobuf/any.js";
import { ErrorInfo } from "nice-grpc-error-details/lib/proto/google/rpc/error_details.js";
import { Status as RpcStatus } from "nice-grpc-error-details/lib/proto/google/rpc/status.js";
import { describe, expect, it } from "vitest";
import { errorFromHttpStatus, errorFromTrailers, grpcStatusOf, percentDecode } from "./error-from-trailers.js";

const PATH = "/netattach.v1.AttachmentService/AttachNetworks";

function detailsBin(...details: Any[]): string {
  return Buffer.from(RpcStatus.encode(RpcStatus.fromPartial({ code: 14, message: "m", details })).finish()).toString("base64");
}

describe("percentDecode", () => {
  it.each([
    ["plain", "plain"],
    ["100%25 done", "100% done"],
    ["caf%C3%A9 %E2%80%98x%E2%80%99", "café ‘x’"],
    ["a %zz b %4", "a %zz b %4"],
  ])("%j → %j", (raw, decoded) => {
    expect(percentDecode(raw)).toBe(decoded);
  });
});

describe("grpcStatusOf", () => {
  it("reads the code, calls an out-of-range one UNKNOWN and a missing one undefined", () => {
    expect(grpcStatusOf({ "grpc-status": "14" })).toBe(Status.UNAVAILABLE);
    expect(grpcStatusOf({ "grpc-status": "99" })).toBe(Status.UNKNOWN);
    expect(grpcStatusOf({})).toBeUndefined();
  });
});

describe("errorFromTrailers", () => {
  it("decodes google.rpc.Status details: ErrorInfo as such, other types kept as Any", async () => {
    const info = ErrorInfo.fromPartial({ reason: "NOT_READY", domain: "netattach.dev", metadata: { cniCode: "11" } });
    const other = Any.fromPartial({ typeUrl: "type.googleapis.com/example.Other", value: new Uint8Array([1, 2]) });
    const bin = detailsBin(Any.fromPartial({ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: ErrorInfo.encode(info).finish() }), other);
    const err = await errorFromTrailers(PATH, Status.UNAVAILABLE, { "grpc-status": "14", "grpc-message": "not%20ready", "grpc-status-details-bin": bin });
    expect(err).toMatchObject({ path: PATH, code: Status.UNAVAILABLE, details: "not ready" });
    const extra = "extra" in err ? (err.extra as unknown[]) : [];
    expect(extra[0]).toEqual(info);
    expect(extra[1]).toMatchObject({ $type: Any.$type, typeUrl: other.typeUrl });
    expect([...(extra[1] as Any).value]).toEqual([1, 2]);
  });

  it("accepts unpadded base64, as gRPC peers may send it", async () => {
    const bin = detailsBin(Any.fromPartial({ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: ErrorInfo.encode(ErrorInfo.fromPartial({ reason: "R" })).finish() }));
    const err = await errorFromTrailers(PATH, Status.INTERNAL, { "grpc-status-details-bin": bin.replace(/=+$/, "") });
    expect("extra" in err && err.extra).toMatchObject([{ reason: "R" }]);
  });

  it("without details (or with undecodable ones) is a plain ClientError with the status", async () => {
    expect(await errorFromTrailers(PATH, Status.NOT_FOUND, { "grpc-message": "gone" })).not.toHaveProperty("extra");
    const garbled = await errorFromTrailers(PATH, Status.NOT_FOUND, { "grpc-message": "gone", "grpc-status-details-bin": "////" });
    expect(garbled).toMatchObject({ code: Status.NOT_FOUND, details: "gone" });
    expect(garbled).not.toHaveProperty("extra");
  });
});

describe("errorFromHttpStatus", () => {
  it.each([
    [400, Status.INTERNAL],
    [404, Status.UNIMPLEMENTED],
    [503, Status.UNAVAILABLE],
    [500, Status.UNKNOWN],
  ])("HTTP %i without grpc-status is %s", (http, code) => {
    expect(errorFromHttpStatus(PATH, http).code).toBe(code);
  });
});
