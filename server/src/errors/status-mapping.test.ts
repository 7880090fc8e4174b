import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, type GrpcStatusName } from "./error-codes.js";
import { statusFromCniCode, statusFromName } from "./status-mapping.js";

describe("statusFromCniCode", () => {
  it.each([
    [1, Status.FAILED_PRECONDITION],
    [2, Status.INVALID_ARGUMENT],
    [3, Status.NOT_FOUND],
    [4, Status.INVALID_ARGUMENT],
    [5, Status.UNKNOWN],
    [6, Status.INVALID_ARGUMENT],
    [7, Status.INVALID_ARGUMENT],
    [8, Status.INVALID_ARGUMENT],
    [11, Status.UNAVAILABLE],
    [50, Status.UNAVAILABLE],
    [51, Status.UNAVAILABLE],
    [999, Status.UNKNOWN],
    [100, Status.UNKNOWN],
    [101, Status.UNKNOWN],
    [998, Status.UNKNOWN],
    [1000, Status.UNKNOWN],
  ])("CNI code %i → %s", (code, status) => {
    expect(statusFromCniCode(code)).toBe(status);
  });

  it("never maps a plugin's code to INTERNAL, which is kept for netattachd's own bugs", () => {
    for (let code = -1; code <= 1100; code++) expect(statusFromCniCode(code), `code ${code}`).not.toBe(Status.INTERNAL);
  });

  it("maps every code 0..1100 outside the spec's defined set to UNKNOWN", () => {
    const defined = new Set([1, 2, 3, 4, 6, 7, 8, 11, 50, 51]);
    for (let code = 0; code <= 1100; code++) {
      if (!defined.has(code)) expect(statusFromCniCode(code), `code ${code}`).toBe(Status.UNKNOWN);
    }
  });
});

describe("statusFromName", () => {
  it("gives INTERNAL to the INTERNAL reason alone", () => {
    expect(
      Object.entries(ERROR_CODES)
        .filter(([, info]) => info.status === "INTERNAL")
        .map(([code]) => code),
    ).toEqual(["INTERNAL"]);
  });

  it("resolves every status name the catalog uses to the gRPC status of that name", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const name: GrpcStatusName = info.status;
      expect(Status[statusFromName(name)], code).toBe(name);
    }
  });
});
