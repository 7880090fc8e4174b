// limits.maxContainerIdLength bounds the ids the daemon takes on; a bound lowered after an ADD
// (config edit, restart) must not refuse the DEL, CHECK, hot-unplug or start-up finishing of what
// that ADD saved: every retry would fail the same way and the pod would hold its addresses for good.
import pino, { type Logger } from "pino";
import { describe, expect, it } from "vitest";
import { DEFAULT_INPUT_LIMITS } from "../limits/input-limits.js";
import { createAttachmentService } from "./create-attachment-service.js";
import {
  fakeServiceDeps,
  conf,
  fakeResolver,
  network,
  recordingRuntime,
  rejection,
  request,
  silentLog,
  tempStore,
} from "./testing.test-helper.js";

const stores = tempStore("id-bound-");
const ID = "a".repeat(100); // within the default bound (128), over the lowered one (64)
const networks = [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
];
const ctx = (log: Logger = silentLog) => ({ signal: new AbortController().signal, log });

function service(runtime: ReturnType<typeof recordingRuntime>, maxContainerIdLength?: number) {
  return createAttachmentService(
    fakeServiceDeps({
      runtime,
      resolver: fakeResolver(networks),
      store: stores.store,
      orphans: stores.orphans,
      ...(maxContainerIdLength !== undefined ? { inputLimits: { ...DEFAULT_INPUT_LIMITS, maxContainerIdLength } } : {}),
    }),
  );
}

async function attachedUnderDefaultBound(): Promise<void> {
  await service(recordingRuntime()).attach(
    request({ containerId: ID, annotations: { "k8s.v1.cni.cncf.io/networks": "ptp-conf" } }),
    ctx(),
  );
}

describe("limits.maxContainerIdLength lowered after an ADD", () => {
  it("DEL, CHECK and hot-unplug of the saved attachment run its plugins' DEL/CHECK; a new ADD of such an id is still refused", async () => {
    await attachedUnderDefaultBound();
    const runtime = recordingRuntime();
    const lowered = service(runtime, 64);

    await lowered.check({ containerId: ID }, ctx());
    await expect(lowered.detachNetwork({ containerId: ID, ifName: "net1" }, ctx())).resolves.toMatchObject({
      removed: [{ network: "default/ptp-conf", ifName: "net1" }],
    });
    await expect(lowered.detach({ containerId: ID }, ctx())).resolves.toEqual({
      removed: [{ network: "cbr0", ifName: "eth0" }],
      orphaned: [],
    });
    expect(runtime.calls.map((c) => `${c.op} ${c.network} ${c.ifName}`)).toEqual([
      "check cbr0 eth0",
      "check ptp-conf net1",
      "del ptp-conf net1",
      "del cbr0 eth0",
    ]);
    expect(await stores.store.load(ID)).toEqual({ state: "missing" });

    const err = await rejection(lowered.attach(request({ containerId: "b".repeat(100) }), ctx()));
    expect([err.code, err.context.limit, err.context.phase]).toEqual([
      "LIMIT_EXCEEDED",
      "limits.maxContainerIdLength",
      "add",
    ]);
  });

  it("start-up finishes a DEL a previous netattachd left half-done", async () => {
    await attachedUnderDefaultBound();
    const read = await stores.store.load(ID);
    if (read.state !== "found") return expect.fail(read.state);
    await stores.store.save({ ...read.record, phase: "detaching" });
    const runtime = recordingRuntime();
    await expect(service(runtime, 64).rollBackUnfinished(ctx())).resolves.toEqual([ID]);
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["del net1", "del eth0"]);
    expect(await stores.store.load(ID)).toEqual({ state: "missing" });
  });

  it("a DEL with nothing saved keeps the configured bound for releasing from config: no plugin runs, a warn line names the limit, the DEL succeeds", async () => {
    const runtime = recordingRuntime();
    const lines: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    await expect(service(runtime, 64).detach({ containerId: ID }, ctx(log))).resolves.toEqual({
      removed: [],
      orphaned: [],
    });
    expect(runtime.calls).toEqual([]);
    expect(lines.map((l) => l.msg)).toEqual([
      `no saved attachment for ${ID}: nothing was released, as the DEL's input cannot be handed to the cluster network's plugins: container id "${"a".repeat(36)}... is 100 characters: over limits.maxContainerIdLength (64)`,
    ]);
  });

  it("an id over the hard bound of a record's file name (240) is refused for every call, naming the configured limit", async () => {
    const svc = service(recordingRuntime(), 64);
    const id = "d".repeat(241);
    for (const call of [
      () => svc.detach({ containerId: id }, ctx()),
      () => svc.check({ containerId: id }, ctx()),
      () => svc.detachNetwork({ containerId: id, ifName: "net1" }, ctx()),
    ]) {
      const err = await rejection((async () => call())());
      expect([err.code, err.context.limit]).toEqual(["LIMIT_EXCEEDED", "limits.maxContainerIdLength"]);
      expect(err.message).toMatch(/is 241 characters: over limits\.maxContainerIdLength \(64\)$/);
    }
  });
});
