import { describe, expect, it } from "vitest";
import type { AttachmentService, ServiceStatus } from "./types.js";
import { gateAttachOnReadiness } from "./ready-gate.js";
import { rejection, request, silentLog } from "./testing.test-helper.js";

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const READY: ServiceStatus = { ready: true, reasons: [] };

function scripted(status: () => ServiceStatus | Promise<ServiceStatus>) {
  const calls: string[] = [];
  const service = {
    attach: async () => (calls.push("attach"), { interfaces: [], primaryResult: { cniVersion: "1.0.0" }, networkStatus: [] }),
    detach: async () => (calls.push("detach"), { removed: [] }),
    check: async () => void calls.push("check"),
    gc: async () => (calls.push("gc"), { removedContainerIds: [], errors: [] }),
    status: async () => (calls.push("status"), status()),
    list: async () => [],
    resolve: async () => {
      throw new Error("unused");
    },
  } satisfies AttachmentService;
  return { service, calls };
}

describe("gateAttachOnReadiness", () => {
  it("refuses ADD with NOT_READY and the reasons until ready; DEL and CHECK always pass", async () => {
    let status: ServiceStatus = { ready: false, reasons: ["pods on node-a not synced", "no cluster network configuration is loaded"] };
    const { service, calls } = scripted(() => status);
    const gated = gateAttachOnReadiness(service, { isReady: () => false, stopping: () => false });
    const err = await rejection(gated.attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toBe("netattachd is not ready: pods on node-a not synced; no cluster network configuration is loaded");
    await gated.detach({ containerId: "c1" }, ctx());
    await gated.check({ containerId: "c1" }, ctx());
    expect(calls).toEqual(["status", "detach", "check"]);
    status = READY;
    await gated.attach(request(), ctx());
    status = { ready: false, reasons: ["API server gone"] };
    await gated.attach(request(), ctx());
    expect(calls.slice(3)).toEqual(["status", "attach", "attach"]);
  });

  it("trusts the readiness poller when it says ready (no live check)", async () => {
    const { service, calls } = scripted(() => ({ ready: false, reasons: ["stale"] }));
    await gateAttachOnReadiness(service, { isReady: () => true, stopping: () => false }).attach(request(), ctx());
    expect(calls).toEqual(["attach"]);
  });

  it("shares one live check between the ADDs that arrive while it runs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { service, calls } = scripted(async () => (await gate, READY));
    const gated = gateAttachOnReadiness(service, { isReady: () => false, stopping: () => false });
    const both = Promise.all([gated.attach(request(), ctx()), gated.attach(request({ containerId: "c2" }), ctx())]);
    release();
    await both;
    expect(calls).toEqual(["status", "attach", "attach"]);
  });

  it("turns a failing readiness check into NOT_READY, keeping the cause", async () => {
    const boom = new Error("resolver exploded");
    const { service } = scripted(() => Promise.reject(boom));
    const err = await rejection(gateAttachOnReadiness(service, { isReady: () => false, stopping: () => false }).attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.cause).toBe(boom);
  });

  it("refuses ADD from the start of shutdown, even when ready", async () => {
    let stopping = false;
    const { service, calls } = scripted(() => READY);
    const gated = gateAttachOnReadiness(service, { isReady: () => true, stopping: () => stopping });
    await gated.attach(request(), ctx());
    stopping = true;
    const err = await rejection(gated.attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toContain("shutting down");
    await gated.detach({ containerId: "c1" }, ctx());
    expect(calls).toEqual(["attach", "detach"]);
  });
});
