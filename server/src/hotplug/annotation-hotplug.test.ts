import pino from "pino";
import { describe, expect, it } from "vitest";
import type { AttachmentService, AttachmentSummary, NetworkChanges } from "../attach/index.js";
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

function world(
  opts: {
    attachments?: () => AttachmentSummary[];
    /** The error applyNetworkChanges throws, if any. */
    fail?: () => unknown;
  } = {},
) {
  const changes: NetworkChanges[] = [];
  const events: AttachmentEvent[] = [];
  const service: Pick<AttachmentService, "list" | "applyNetworkChanges"> = {
    list: async () => ({ attachments: opts.attachments?.() ?? [summary()], unreadable: [] }),
    applyNetworkChanges: async (c) => {
      const error = opts.fail?.();
      if (error !== undefined) throw error;
      changes.push(c);
      return { attached: [], removed: [], failures: [] };
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
  it("an update of an attached pod's annotation hands the whole new value to the sandbox, named as the annotation", async () => {
    const w = world();
    w.hotplug.observe(pod("blue,green@data0"), "add");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes).toEqual([
      {
        containerId: "c1",
        pod: { namespace: "ns1", name: "web", uid: "u1" },
        selections: [
          { name: "blue", namespace: "ns1" },
          { name: "red", namespace: "ns1" },
        ],
        source: NETWORKS,
      },
    ]);
  });

  it("first sight and an unchanged value (our own status PATCH) change nothing", async () => {
    const w = world();
    w.hotplug.observe(pod("blue"), "update"); // first sight: the runtime's ADD attaches it
    w.hotplug.observe(pod("blue"), "update");
    await w.hotplug.idle();
    expect(w.changes).toEqual([]);
    expect(w.events).toEqual([]);
  });

  it("a change seen while the runtime's ADD runs is handed to that sandbox, to be applied once the ADD is done", async () => {
    const w = world({ attachments: () => [summary("attaching")] });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => [c.containerId, c.selections.map((s) => s.name)])).toEqual([["c1", ["blue", "red"]]]);
  });

  it("a change seen before the ADD saved anything is looked at again at the pod's next update", async () => {
    let attachments: AttachmentSummary[] = [];
    const w = world({ attachments: () => attachments });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "update"); // no sandbox yet: nothing to apply to
    await w.hotplug.idle();
    expect(w.changes).toEqual([]);
    attachments = [summary()];
    w.hotplug.observe(pod("blue,red"), "update"); // e.g. the ADD's own network-status PATCH
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.selections.map((s) => s.name))).toEqual([["blue", "red"]]);
    // Done: further updates with the same value change nothing.
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes).toHaveLength(1);
    expect(w.events).toEqual([]);
  });

  it("an ADD that failed while the change waited for it is no failure: the runtime's next ADD reads the annotation", async () => {
    let gone = true;
    const w = world({
      fail: () => (gone ? new DaemonError("ATTACHMENT_NOT_FOUND", "container c1 has no attachment", {}) : undefined),
    });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.events).toEqual([]);
    gone = false;
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.selections.map((s) => s.name))).toEqual([["blue", "red"]]);
  });

  it("a change that ran out of time waiting for a long ADD is evented, and tried again at the pod's next update", async () => {
    let slow = true;
    const w = world({
      attachments: () => [summary(slow ? "attaching" : "attached")],
      fail: () => (slow ? new DaemonError("CANCELLED", "the call's deadline passed", {}) : undefined),
    });
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.events.map((e) => e.reason)).toEqual(["CANCELLED"]);
    slow = false;
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.selections.map((s) => s.name))).toEqual([["blue", "red"]]);
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
  });

  it("a refused value (unparsable, oversized) is evented and applies nothing; the next value is applied whole", async () => {
    const w = world();
    w.hotplug.observe(pod("blue"), "add");
    for (const bad of ["blue, [oops", `blue,${"x".repeat(300 * 1024)}`]) {
      w.hotplug.observe(pod(bad), "update");
      await w.hotplug.idle();
    }
    expect(w.changes).toEqual([]);
    expect(w.events.map((e) => e.reason)).toEqual(["INVALID_ANNOTATION", "LIMIT_EXCEEDED"]);
    w.hotplug.observe(pod("blue,red"), "update");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.selections.map((s) => s.name))).toEqual([["blue", "red"]]);
  });

  it("a relist's add of a pod already seen applies the change the broken watch missed", async () => {
    const w = world();
    w.hotplug.observe(pod("blue"), "add");
    w.hotplug.observe(pod("blue,red"), "add");
    await w.hotplug.idle();
    expect(w.changes.map((c) => c.selections.map((s) => s.name))).toEqual([["blue", "red"]]);
  });
});
