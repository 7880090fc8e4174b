import pino from "pino";
import { describe, expect, it } from "vitest";
import type { AttachmentService, AttachmentSummary, NetworkChanges, NetworkChangesOutcome } from "../attach/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentEvent } from "../events/attachment-event.js";
import type { PodInfo } from "../resolve/types.js";
import { createAnnotationHotplug } from "./annotation-hotplug.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const pod = (value: string, uid = "u1"): PodInfo => ({
  namespace: "ns1",
  name: "web",
  uid,
  annotations: { [NETWORKS]: value },
});
const summary = (phase: AttachmentSummary["phase"] = "attached"): AttachmentSummary => ({
  containerId: "c1",
  netns: "/run/netns/x",
  pod: { namespace: "ns1", name: "web", uid: "u1" },
  interfaces: [],
  phase,
  history: [],
  createdAt: "",
  updatedAt: "",
});

type Failures = NetworkChangesOutcome["failures"];

function world(
  opts: {
    attachments?: AttachmentSummary[];
    /** The error applyNetworkChanges throws, if any. */
    fail?: () => unknown;
    failures?: (c: NetworkChanges) => Failures;
  } = {},
) {
  const changes: NetworkChanges[] = [];
  const events: AttachmentEvent[] = [];
  const service: Pick<AttachmentService, "list" | "applyNetworkChanges"> = {
    list: async () => ({ attachments: opts.attachments ?? [summary()], unreadable: [] }),
    applyNetworkChanges: async (c) => {
      const error = opts.fail?.();
      if (error !== undefined) throw error;
      changes.push(c);
      return { attached: [], removed: [], failures: opts.failures?.(c) ?? [] };
    },
  };
  const hotplug = createAnnotationHotplug({
    service,
    events: { emit: (e) => events.push(e) },
    log: pino({ level: "silent" }),
  });
  return { hotplug, changes, events };
}

describe("annotation-driven hot-plug", () => {
  it("an update of an attached pod's annotation becomes one change: removals by interface or network, additions as selected", async () => {
    const w = world();
    w.hotplug.observe(pod("blue,green@data0"), "add");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes).toEqual([
      {
        containerId: "c1",
        pod: { namespace: "ns1", name: "web", uid: "u1" },
        detach: [{ ifName: "data0" }],
        attach: [{ name: "red", namespace: "ns1" }],
      },
    ]);
    w.hotplug.observe(pod("blue"), "update");
    await w.hotplug.idle();
    expect(w.changes[1]!.detach).toEqual([{ network: { namespace: "ns1", name: "red" } }]);
  });

  it("first sight, an unchanged value (our own status PATCH), and a pod not attached yet change nothing", async () => {
    const w = world({ attachments: [summary("attaching")] });
    w.hotplug.observe(pod("blue"), "update"); // first sight: baseline only
    w.hotplug.observe(pod("blue"), "update");
    w.hotplug.observe(pod("blue,red"), "update"); // not attached: the runtime's ADD decides
    await w.hotplug.idle();
    expect(w.changes).toEqual([]);
    expect(w.events).toEqual([]);
  });

  it("a failure is logged and evented with its catalog reason, never thrown into the informer", async () => {
    const w = world({ fail: () => new DaemonError("NOT_READY", "netattachd is not ready", {}) });
    w.hotplug.observe(pod("blue"), "add");
    expect(() => w.hotplug.observe(pod("blue,red"), "update")).not.toThrow();
    await w.hotplug.idle();
    expect(w.events).toEqual([
      expect.objectContaining({
        kind: "hotplug-attach",
        outcome: "failed",
        reason: "NOT_READY",
        containerId: "c1",
        pod: { namespace: "ns1", name: "web", uid: "u1" },
      }),
    ]);
    // A bad annotation is evented the same way.
    const bad = world();
    bad.hotplug.observe(pod("blue"), "add");
    bad.hotplug.observe(pod("[{"), "update");
    await bad.hotplug.idle();
    expect(bad.events).toEqual([expect.objectContaining({ outcome: "failed", reason: "INVALID_ANNOTATION" })]);
  });

  it("a refused value (unparsable, oversized) is no baseline: restoring the value before it changes nothing", async () => {
    const w = world();
    w.hotplug.observe(pod("blue"), "add");
    for (const bad of ["blue, [oops", `blue,${"x".repeat(300 * 1024)}`]) {
      w.hotplug.observe(pod(bad), "update");
      w.hotplug.observe(pod("blue"), "update");
    }
    await w.hotplug.idle();
    expect(w.changes).toEqual([]);
    expect(w.events.map((e) => e.reason)).toEqual(["INVALID_ANNOTATION", "LIMIT_EXCEEDED"]);
    // The baseline still is "blue": a real change after that is diffed against it.
    w.hotplug.observe(pod("blue, [oops"), "update");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => [c.detach, c.attach])).toEqual([[[], [{ name: "red", namespace: "ns1" }]]]);
  });

  it("a change that failed as a whole is not taken as applied: the next change attaches it too", async () => {
    let down = true;
    const w = world({ fail: () => (down ? new DaemonError("NOT_READY", "netattachd is not ready", {}) : undefined) });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "update"); // NOT_READY: nothing attached
    await w.hotplug.idle();
    down = false;
    w.hotplug.observe(pod("blue,red,green"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => [c.detach, c.attach.map((a) => a.name)])).toEqual([[[], ["red", "green"]]]);
  });

  it("a step that failed is retried by the next change; a detach of what is gone counts as done", async () => {
    const w = world({
      failures: (c) =>
        c.attach.flatMap((a, i) =>
          a.name === "red" ? [{ step: "attach ns1/red", reason: "PLUGIN_FAILED", message: "x", attach: i }] : [],
        ),
    });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red,green"), "update"); // red fails, green is attached
    w.hotplug.observe(pod("blue,red,green,pink"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.attach.map((a) => a.name))).toEqual([
      ["red", "green"],
      ["red", "pink"],
    ]);
    // Dropping green (attached) and red (never attached) detaches green only.
    w.hotplug.observe(pod("blue,pink"), "update");
    await w.hotplug.idle();
    expect(w.changes[2]!.detach).toEqual([{ network: { namespace: "ns1", name: "green" } }]);
  });

  it("a detach that failed keeps the network applied: restoring the value attaches nothing twice", async () => {
    const w = world({
      failures: (c) =>
        c.detach.map((_, i) => ({ step: "detach", reason: "PLUGIN_FAILED", message: "DEL failed", detach: i })),
    });
    w.hotplug.observe(pod("blue,red"), "add");
    w.hotplug.observe(pod("blue"), "update"); // detaching red fails: red stays
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => [c.detach.length, c.attach.length])).toEqual([[1, 0]]);
  });

  it("a relist's add of a pod already seen applies the change the broken watch missed", async () => {
    const w = world();
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "add");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.attach.map((a) => a.name))).toEqual([["red"]]);
  });
});
