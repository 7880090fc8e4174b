// The caller's deadline reaches the service as an instant with the call's signal (call-deadline.ts):
// over gRPC from netattachctl's client (grpc-timeout), as any gRPC client sends it. A DEL budgets
// its plugins by it; without it the caller's deadline reads as a cancel when it fires.
import { Metadata } from "nice-grpc";
import { afterEach, expect, it } from "vitest";
import { deadlineOf } from "../../server/src/attach/call-deadline.js";
import { createFakeService, startDaemonWith, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

it("a gRPC call's deadline reaches the service as the instant its signal carries; none without one", async () => {
  const fake = createFakeService({ detach: { removed: [], orphaned: [] } });
  d = await startDaemonWith(fake);
  // The instant is on the monotonic clock (call-deadline.ts); the client's deadline is a wall-clock Date.
  const before = performance.now();
  await d.client.api.detachNetworks({ containerId: "c1" }, { deadline: new Date(Date.now() + 5000) });
  const after = performance.now();
  await d.client.api.detachNetworks({ containerId: "c1" });
  const [first, second] = fake.calls.filter((c) => c.method === "detach").map((c) => deadlineOf(c.signal));
  expect(first).toBeGreaterThanOrEqual(before + 4900);
  expect(first).toBeLessThanOrEqual(after + 5000);
  expect(second).toBeUndefined();
});

it("grpc-js: a client's own netattach-caller-deadline-ms is never honoured, with or without a deadline", async () => {
  const fake = createFakeService({ detach: { removed: [], orphaned: [] } });
  d = await startDaemonWith(fake);
  const forged = Metadata({ "netattach-caller-deadline-ms": "1" });
  await d.client.api.detachNetworks({ containerId: "c1" }, { metadata: forged });
  const before = performance.now();
  await d.client.api.detachNetworks({ containerId: "c1" }, { metadata: forged, deadline: new Date(Date.now() + 5000) });
  const [without, withDeadline] = fake.calls.filter((c) => c.method === "detach").map((c) => deadlineOf(c.signal));
  expect(without).toBeUndefined();
  expect(withDeadline).toBeGreaterThanOrEqual(Math.floor(before + 4900));
});
