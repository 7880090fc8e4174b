import { ClientError, Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { failureOf, formatFailure } from "./rpc-failure.js";

/** What grpc-js reports when the unix socket's connect fails. */
const unreachable = (errno: string, path: string) =>
  new ClientError(
    "/netattach.v1.AttachmentService/GetStatus",
    Status.UNAVAILABLE,
    `No connection established. Last error: Error: connect ${errno} ${path} (2026-12-07T06:00:00.000Z). Resolution note: `,
  );

describe("a daemon netattachctl cannot reach", () => {
  it("over a socket that is not there: asks whether netattachd runs", () => {
    const f = failureOf(unreachable("ENOENT", "/run/x.sock"), "/run/x.sock")!;
    expect(formatFailure("status", f)).toBe(
      "netattachctl status: UNAVAILABLE: cannot reach netattachd at /run/x.sock: connect ENOENT /run/x.sock\n" +
        "  (is netattachd running? the socket comes from --socket or NETATTACH_SOCKET)\n",
    );
  });

  it("over a socket it may not open (not root): says the socket is root's and to run it as root", () => {
    const f = failureOf(unreachable("EACCES", "/run/x.sock"), "/run/x.sock")!;
    expect(formatFailure("status", f)).toBe(
      "netattachctl status: UNAVAILABLE: cannot reach netattachd at /run/x.sock: connect EACCES /run/x.sock\n" +
        "  (netattachd's socket is root's alone (mode 0600): run netattachctl as root, e.g. with sudo)\n",
    );
  });
});
