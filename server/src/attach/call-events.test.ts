import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import { matchesEvent } from "../events/event-filter.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { attachCall, detachCall, emitting, type EventClock } from "./call-events.js";

const pod = { namespace: "ns", name: "p", uid: "u" };
const req = { containerId: "c1", netns: "/n", pod, primaryIfName: "eth0" };

function recorder(): { events: AttachmentEvent[]; emit(e: AttachmentEvent): void } {
  const events: AttachmentEvent[] = [];
  return { events, emit: (e) => events.push(e) };
}

/** Each call to monotonic() advances 5 ms. */
function clock(): EventClock {
  let t = 0;
  return { now: () => new Date(1_000), monotonic: () => (t += 5) };
}

describe("call events", () => {
  it("an ADD that succeeds: outcome ok, its duration and the interfaces it added", async () => {
    const sink = recorder();
    const result = {
      interfaces: [
        {
          network: "ns/blue",
          ifName: "net1",
          ips: [{ address: "10.1.0.2/24" }],
          isDefault: false,
          gateways: [],
          result: { cniVersion: "1.0.0" },
        },
      ],
      primaryResult: { cniVersion: "1.0.0" },
      networkStatus: [],
    };
    await expect(emitting(sink, attachCall(req), async () => result, clock())).resolves.toBe(result);
    expect(sink.events).toEqual([
      {
        kind: "attach",
        outcome: "ok",
        containerId: "c1",
        pod,
        time: new Date(1_000),
        durationMs: 5,
        interfaces: [{ network: "ns/blue", ifName: "net1", ips: ["10.1.0.2/24"] }],
      },
    ]);
  });

  it("a failure: the catalog reason, its message and where it failed; the error still reaches the caller", async () => {
    const sink = recorder();
    const err = new DaemonError("PLUGIN_FAILED", "macvlan ADD failed", {
      network: "ns/blue",
      plugin: "macvlan",
      phase: "add",
      ifName: "net1",
      source: "nad ns/blue",
    });
    await expect(emitting(sink, attachCall(req), () => Promise.reject(err), clock())).rejects.toBe(err);
    expect(sink.events).toEqual([
      {
        kind: "attach",
        outcome: "failed",
        containerId: "c1",
        pod,
        time: new Date(1_000),
        durationMs: 5,
        reason: "PLUGIN_FAILED",
        message: "macvlan ADD failed",
        network: "ns/blue",
        plugin: "macvlan",
        phase: "add",
        ifName: "net1",
      },
    ]);
  });

  it("an unexpected error is INTERNAL with the generic message (details stay in the log)", async () => {
    const sink = recorder();
    await expect(
      emitting(sink, detachCall({ containerId: "c9" }), () => Promise.reject(new TypeError("x is undefined")), clock()),
    ).rejects.toThrow(TypeError);
    expect(sink.events[0]).toMatchObject({
      kind: "detach",
      outcome: "failed",
      reason: "INTERNAL",
      message: "internal error in netattachd; see the daemon log",
    });
    expect(sink.events[0]).not.toHaveProperty("pod");
  });

  it("a DEL names what it removed; a sink that throws never fails the call", async () => {
    const sink = recorder();
    await emitting(
      sink,
      detachCall({ containerId: "c1", pod }),
      async () => ({
        removed: [
          { network: "ns/blue", ifName: "net1" },
          { network: "cluster", ifName: "eth0" },
        ],
        orphaned: [],
      }),
      clock(),
    );
    expect(sink.events[0]).toMatchObject({
      kind: "detach",
      outcome: "ok",
      pod,
      message: "removed net1 (ns/blue), eth0 (cluster)",
    });
    const throwing = {
      emit: () => {
        throw new Error("sink broke");
      },
    };
    await expect(
      emitting(throwing, detachCall({ containerId: "c1" }), async () => ({ removed: [], orphaned: [] })),
    ).resolves.toEqual({ removed: [], orphaned: [] });
  });

  it("a DEL names the pod and the interfaces (with addresses) of the saved record it found, also when it fails and the request named no pod", async () => {
    const record = {
      version: 1 as const,
      plan: {
        containerId: "c1",
        netns: "/n",
        pod,
        delegates: [
          { network: "cluster", ifName: "eth0", isDefault: true, list: confList("cbr0") },
          { network: "ns/blue", ifName: "net1", isDefault: false, list: confList("blue") },
        ],
      },
      results: { net1: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }] } },
      phase: "attached" as const,
      createdAt: "t",
      updatedAt: "t",
    } as unknown as AttachmentRecord;
    const interfaces = [
      { network: "cluster", ifName: "eth0", ips: [] },
      { network: "ns/blue", ifName: "net1", ips: ["10.1.0.2/24"] },
    ];
    const sink = recorder();
    const ok = detachCall({ containerId: "c1" });
    await emitting(
      sink,
      ok,
      async () => {
        ok.found(record, "saved");
        return { removed: [{ network: "ns/blue", ifName: "net1" }], orphaned: [] };
      },
      clock(),
    );
    const failed = detachCall({ containerId: "c1", pod: { namespace: "ns", name: "other", uid: "" } });
    const err = new DaemonError("DETACH_INCOMPLETE", "cut short", { phase: "del", network: "ns/blue", ifName: "net1" });
    await expect(
      emitting(
        sink,
        failed,
        async () => {
          failed.found(record, "saved");
          throw err;
        },
        clock(),
      ),
    ).rejects.toBe(err);
    expect(sink.events[0]).toMatchObject({
      kind: "detach",
      outcome: "ok",
      pod,
      interfaces,
      message: "removed net1 (ns/blue)",
    });
    expect(sink.events[1]).toMatchObject({
      kind: "detach",
      outcome: "failed",
      pod,
      interfaces,
      reason: "DETACH_INCOMPLETE",
    });
    expect(sink.events.every((e) => matchesEvent({ podNamespace: "ns", podName: "p", network: "ns/blue" }, e))).toBe(
      true,
    );
  });

  it("a DEL that found nothing saved says so, with the pod the request named", async () => {
    const sink = recorder();
    await emitting(sink, detachCall({ containerId: "c2", pod }), async () => ({ removed: [], orphaned: [] }), clock());
    expect(sink.events[0]).toMatchObject({
      kind: "detach",
      outcome: "ok",
      pod,
      message: "nothing saved for this container: nothing to remove",
    });
    expect(sink.events[0]).not.toHaveProperty("interfaces");
  });
});

function confList(name: string) {
  return { cniVersion: "1.0.0", name, plugins: [{ type: "bridge" }] };
}
