// AttachNetworks before netattachd has been ready: refused at once with NOT_READY
// (UNAVAILABLE, CNI 11) so the shim can retry ADD until its own timeout; DetachNetworks
// still runs. A real daemon and a real gRPC client around a scripted service.
import { Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import type { AttachResult, ServiceStatus } from "../../server/src/attach/index.js";
import { createFakeService, startDaemonWith, type TestDaemon } from "../helpers/daemon.js";

const READY: ServiceStatus = { ready: true, reasons: [], clusterNetwork: { name: "cbr", ok: true } };
const NOT_SYNCED: ServiceStatus = { ready: false, reasons: ["NetworkAttachmentDefinitions not synced"] };
const POD = { namespace: "ns1", name: "pod1", uid: "u1" };
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
const attachReq = { containerId: "c1", netnsPath: "/var/run/netns/x", pod: POD };

const running: TestDaemon[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

async function notReadyError(
  p: Promise<unknown>,
): Promise<{ code: Status; details: string; info: ErrorInfo | undefined }> {
  const err = await p.then(
    () => expect.fail("the call succeeded"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RichClientError);
  const rich = err as RichClientError;
  return {
    code: rich.code,
    details: rich.details,
    info: rich.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type),
  };
}

describe("AttachNetworks before the daemon is ready", () => {
  it("fails fast with NOT_READY (UNAVAILABLE, CNI 11) naming why, runs nothing, and lets DEL through", async () => {
    const fake = createFakeService({ status: NOT_SYNCED, attach: RESULT, detach: { removed: [], orphaned: [] } });
    const d = await startDaemonWith(fake, { readinessIntervalMs: { notReady: 60_000, ready: 60_000 } });
    running.push(d);

    const err = await notReadyError(d.client.api.attachNetworks(attachReq));
    expect(err.code).toBe(Status.UNAVAILABLE);
    expect(err.info?.reason).toBe("NOT_READY");
    expect(err.info?.metadata).toMatchObject({ cniCode: "11" });
    expect(err.details).toContain("NetworkAttachmentDefinitions not synced");
    expect(fake.calls.filter((c) => c.method === "attach")).toEqual([]);

    await expect(d.client.api.detachNetworks({ containerId: "c1", netnsPath: "", pod: POD })).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
    expect(fake.calls.filter((c) => c.method === "detach")).toHaveLength(1);
  });

  it("admits ADD as soon as the service says ready, without waiting for the next readiness poll", async () => {
    const fake = createFakeService({ status: NOT_SYNCED, attach: RESULT });
    const d = await startDaemonWith(fake, { readinessIntervalMs: { notReady: 60_000, ready: 60_000 } });
    running.push(d);
    expect((await notReadyError(d.client.api.attachNetworks(attachReq))).info?.reason).toBe("NOT_READY");

    fake.answers.status = READY;
    const res = await d.client.api.attachNetworks(attachReq);
    expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0"]);
  });

  it("keeps admitting ADD once ready, even if readiness is lost later (the call then fails on its own terms)", async () => {
    const fake = createFakeService({ status: READY, attach: RESULT });
    const d = await startDaemonWith(fake, { readinessIntervalMs: { notReady: 50, ready: 50 } });
    running.push(d);
    await d.client.api.attachNetworks(attachReq);
    fake.answers.status = NOT_SYNCED;
    for (let i = 0; i < 200 && (await d.client.health.check({ service: "" })).status !== 2; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((await d.client.health.check({ service: "" })).status).toBe(2); // NOT_SERVING
    const res = await d.client.api.attachNetworks({ ...attachReq, containerId: "c2" });
    expect(res.interfaces).toHaveLength(1);
  });
});
