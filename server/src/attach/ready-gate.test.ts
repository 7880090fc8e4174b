import { afterEach, describe, expect, it } from "vitest";
import { createReadiness, type ReadinessOptions, type ReadinessVerdict } from "../health/readiness.js";
import type { AttachmentService } from "./contract.js";
import { gateAttachOnReadiness } from "./ready-gate.js";
import { rejection, request, silentLog } from "./testing.test-helper.js";

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const READY: ReadinessVerdict = { ready: true, reasons: [] };
const NOT_SYNCED: ReadinessVerdict = {
  ready: false,
  reasons: ["pods on node-a not synced", "no cluster network configuration is loaded"],
};
const health = { setStatus: () => undefined } as unknown as ReadinessOptions["health"];

function scripted() {
  const calls: string[] = [];
  const service = {
    attach: async () => (
      calls.push("attach"),
      { interfaces: [], primaryResult: { cniVersion: "1.0.0" }, networkStatus: [] }
    ),
    detach: async () => (calls.push("detach"), { removed: [], orphaned: [] }),
    check: async () => void calls.push("check"),
    gc: async () => (
      calls.push("gc"),
      { removedContainerIds: [], errors: [], dryRun: false, sources: [], notes: [], items: [] }
    ),
    status: async () => (calls.push("status"), READY),
    list: async () => ({ attachments: [], unreadable: [] }),
    resolve: async () => {
      throw new Error("unused");
    },
    attachNetwork: async () => {
      throw new Error("unused");
    },
    detachNetwork: async () => {
      throw new Error("unused");
    },
    applyNetworkChanges: async () => {
      throw new Error("unused");
    },
  } satisfies AttachmentService;
  return { service, calls };
}

/** The real poller (long periods: only explicit checks run) over a scripted verdict. */
function poller(verdict: () => ReadinessVerdict | Promise<ReadinessVerdict>) {
  let checks = 0;
  const readiness = createReadiness({
    health,
    services: [],
    log: silentLog,
    check: async () => (checks++, verdict()),
    intervalMs: { notReady: 3_600_000, ready: 3_600_000 },
  });
  stops.push(() => readiness.stop());
  return { readiness, checks: () => checks };
}

const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((s) => s()));

function gate(service: AttachmentService, readiness: ReturnType<typeof createReadiness>, stopping = () => false) {
  return gateAttachOnReadiness(service, {
    reached: () => readiness.wasReady(),
    checkNow: () => readiness.checkNow(),
    stopping,
  });
}

describe("gateAttachOnReadiness", () => {
  it("refuses ADD with NOT_READY and the reasons until ready; DEL and CHECK always pass", async () => {
    let verdict = NOT_SYNCED;
    const { readiness } = poller(() => verdict);
    await readiness.start();
    const { service, calls } = scripted();
    const gated = gate(service, readiness);
    const err = await rejection(gated.attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toBe(
      "netattachd is not ready: pods on node-a not synced; no cluster network configuration is loaded",
    );
    await gated.detach({ containerId: "c1" }, ctx());
    await gated.check({ containerId: "c1" }, ctx());
    expect(calls).toEqual(["detach", "check"]);
    verdict = READY;
    await gated.attach(request(), ctx());
    expect(calls).toEqual(["detach", "check", "attach"]);
  });

  it("keeps admitting ADD after readiness is lost, though no ADD came while it was ready", async () => {
    let verdict = READY;
    const { readiness, checks } = poller(() => verdict);
    await readiness.start(); // ready at the first poll, nothing admitted yet
    verdict = { ready: false, reasons: ["informer pods on node node-a: ECONNREFUSED"] };
    await readiness.checkNow(); // the API server went away
    expect(readiness.isReady()).toBe(false);
    const { service, calls } = scripted();
    await gate(service, readiness).attach(request(), ctx());
    expect(calls).toEqual(["attach"]);
    expect(checks()).toBe(2); // admitted on the kept verdict, no check of its own
  });

  it("asks the poller for a check when readiness was never reached, and the verdict is kept", async () => {
    let verdict = NOT_SYNCED;
    const { readiness, checks } = poller(() => verdict);
    await readiness.start();
    verdict = READY;
    const { service, calls } = scripted();
    const gated = gate(service, readiness);
    await gated.attach(request(), ctx());
    expect(readiness.wasReady()).toBe(true);
    verdict = NOT_SYNCED;
    await gated.attach(request({ containerId: "c2" }), ctx());
    expect(calls).toEqual(["attach", "attach"]);
    expect(checks()).toBe(2);
  });

  it("shares one check between the ADDs that arrive while it runs", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let verdict: () => Promise<ReadinessVerdict> | ReadinessVerdict = () => NOT_SYNCED;
    const { readiness, checks } = poller(() => verdict());
    await readiness.start();
    verdict = async () => (await held, READY);
    const { service, calls } = scripted();
    const gated = gate(service, readiness);
    const both = Promise.all([gated.attach(request(), ctx()), gated.attach(request({ containerId: "c2" }), ctx())]);
    release();
    await both;
    expect(calls).toEqual(["attach", "attach"]);
    expect(checks()).toBe(2);
  });

  it("turns a throwing check into NOT_READY naming the failure", async () => {
    const { readiness } = poller(() => Promise.reject(new Error("resolver exploded")));
    await readiness.start();
    const { service } = scripted();
    const err = await rejection(gate(service, readiness).attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toBe("netattachd is not ready: readiness check failed: resolver exploded");
  });

  it("refuses ADD from the start of shutdown, even when ready", async () => {
    const { readiness } = poller(() => READY);
    await readiness.start();
    let stopping = false;
    const { service, calls } = scripted();
    const gated = gate(service, readiness, () => stopping);
    await gated.attach(request(), ctx());
    stopping = true;
    const err = await rejection(gated.attach(request(), ctx()));
    expect(err.code).toBe("NOT_READY");
    expect(err.message).toContain("shutting down");
    await gated.detach({ containerId: "c1" }, ctx());
    expect(calls).toEqual(["attach", "detach"]);
  });
});
