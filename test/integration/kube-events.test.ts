// Kubernetes Events from netattachd composed like main.ts against the API stand-in (which
// validates events.k8s.io/v1 as kube-apiserver does): one Event per ADD listing the interfaces
// added, one naming a failure by its catalog reason, repeats aggregated into a count, at most 2
// writes per pod ADD with the status PATCH, never holding up an ADD; off when configured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAEMON_NODE, startKubeDaemon, type KubeDaemonFixture } from "../helpers/kube-stand-in/daemon-fixture.js";
import type { KubeObject, KubeStandIn } from "../helpers/kube-stand-in/index.js";
import { rawRequest } from "../helpers/kube-stand-in/raw-client.js";
import { rpcFailure } from "../helpers/rpc-failure.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

type Ev = KubeObject & {
  type: string;
  reason: string;
  action: string;
  note: string;
  regarding: Record<string, string>;
  series?: { count: number; lastObservedTime: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
};

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const eventsOf = (s: KubeStandIn, pod: string): Ev[] =>
  s.events("ns1").filter((e) => (e as Ev).regarding?.name === pod) as Ev[];

/** Writes (create, update, patch) the stand-in saw for one pod: its status PATCHes and the Events regarding it. */
function writesFor(s: KubeStandIn, pod: string): string[] {
  return s.requests
    .filter((r) => r.verb === "create" || r.verb === "patch" || r.verb === "update")
    .filter(
      (r) =>
        (r.resource === "pods" && r.name === pod) ||
        (r.resource === "events" &&
          (r.verb !== "create"
            ? s.events("ns1").some((e) => e.metadata.name === r.name && (e as Ev).regarding.name === pod)
            : (JSON.parse(r.body ?? "{}") as Ev).regarding?.name === pod)),
    )
    .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ""}`);
}

describe("Kubernetes Events", () => {
  let fx: KubeDaemonFixture;
  beforeAll(async () => {
    fx = await startKubeDaemon({
      statusFailurePolicy: "fail",
      // A series ends after 8 s without a repeat: the failed ADDs below, each a few plugin runs,
      // must never be that far apart, even on a loaded CI machine.
      tuning: { eventSeriesFinishMs: 8_000, eventSeriesRefreshMs: 60_000 },
      seed: (s, noopNet) => {
        s.createNad({ namespace: "ns1", name: "blue", config: noopNet("blue") });
        s.createNad({
          namespace: "ns1",
          name: "red",
          config: {
            cniVersion: "1.0.0",
            name: "red",
            plugins: [{ type: "noop", noop: { ADD: { error: { code: 7, msg: "red is closed" } } } }],
          },
        });
        s.createPod({
          namespace: "ns1",
          name: "p-ok",
          nodeName: DAEMON_NODE,
          uid: "uid-ok",
          annotations: { [NETWORKS]: "blue" },
        });
        s.createPod({
          namespace: "ns1",
          name: "p-bad",
          nodeName: DAEMON_NODE,
          uid: "uid-bad",
          annotations: { [NETWORKS]: "red" },
        });
        for (let i = 0; i < 5; i++)
          s.createPod({
            namespace: "ns1",
            name: `p-${i}`,
            nodeName: DAEMON_NODE,
            uid: `uid-${i}`,
            annotations: { [NETWORKS]: "blue" },
          });
      },
    });
    await fx.waitHealth(1);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("an ADD writes one Event listing every interface added (network, interface, IPs): 2 writes with the status PATCH", async () => {
    await fx.attach("c-ok", { namespace: "ns1", name: "p-ok", uid: "uid-ok" });
    const [event] = await eventually("the Event of p-ok", () =>
      eventsOf(fx.standIn, "p-ok").length > 0 ? eventsOf(fx.standIn, "p-ok") : undefined,
    );
    expect(event).toMatchObject({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      type: "Normal",
      reason: "AddedInterfaces",
      action: "AttachNetworks",
      note: "added eth0 [10.1.2.3/24] from cluster; net1 [10.1.2.3/24] from ns1/blue",
      regarding: { apiVersion: "v1", kind: "Pod", namespace: "ns1", name: "p-ok", uid: "uid-ok" },
      reportingController: "netattach.dev/netattachd",
      reportingInstance: `netattachd-${DAEMON_NODE}`,
    });
    expect(event!.eventTime).toMatch(MICRO_TIME);
    expect(event!.metadata.name).toMatch(/^p-ok\.[0-9a-f]+$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(writesFor(fx.standIn, "p-ok").sort()).toEqual(["create events", "patch pods/status"]);
  });

  it("a failure is a Warning with its catalog reason and message; repeats become one Event with a count", async () => {
    const pod = { namespace: "ns1", name: "p-bad", uid: "uid-bad" };
    expect((await rpcFailure(fx.attach("c-bad1", pod))).info.reason).toBe("PLUGIN_FAILED");
    const [first] = await eventually("the Warning of p-bad", () =>
      eventsOf(fx.standIn, "p-bad").length > 0 ? eventsOf(fx.standIn, "p-bad") : undefined,
    );
    expect(first).toMatchObject({
      type: "Warning",
      reason: "PLUGIN_FAILED",
      action: "AttachNetworks",
      regarding: { name: "p-bad", uid: "uid-bad" },
    });
    expect(first!.note).toContain("red is closed");
    expect(first!.series).toBeUndefined();

    await rpcFailure(fx.attach("c-bad2", pod));
    await eventually("series count 2", () =>
      eventsOf(fx.standIn, "p-bad")[0]?.series?.count === 2 ? true : undefined,
    );
    await rpcFailure(fx.attach("c-bad3", pod));
    await rpcFailure(fx.attach("c-bad4", pod));
    // Counted locally; written once the series ends (8 s without a repeat here).
    expect(writesFor(fx.standIn, "p-bad")).toEqual(["create events", "patch events"]);
    const final = await eventually(
      "series count 4",
      () => (eventsOf(fx.standIn, "p-bad")[0]?.series?.count === 4 ? eventsOf(fx.standIn, "p-bad") : undefined),
      30_000,
    );
    expect(final).toHaveLength(1);
    expect(final[0]!.series!.lastObservedTime).toMatch(MICRO_TIME);
    expect(writesFor(fx.standIn, "p-bad")).toEqual(["create events", "patch events", "patch events"]);
  });

  it("at most 2 writes per pod ADD with Events on (status PATCH + one Event), for ADDs at once", async () => {
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) => fx.attach(`c-many-${i}`, { namespace: "ns1", name: `p-${i}`, uid: `uid-${i}` })),
    );
    await eventually("5 Events", () =>
      [0, 1, 2, 3, 4].every((i) => eventsOf(fx.standIn, `p-${i}`).length === 1) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++)
      expect(writesFor(fx.standIn, `p-${i}`).sort(), `p-${i}`).toEqual(["create events", "patch pods/status"]);
  });

  it("an Event write that hangs never holds up an ADD", async () => {
    fx.standIn.createPod({
      namespace: "ns1",
      name: "p-slow",
      nodeName: DAEMON_NODE,
      uid: "uid-slow",
      annotations: { [NETWORKS]: "blue" },
    });
    fx.standIn.failNext({ verb: "create", resource: "events" }, "hang");
    const started = Date.now();
    const res = await fx.attach("c-slow", { namespace: "ns1", name: "p-slow", uid: "uid-slow" });
    expect(Date.now() - started).toBeLessThan(4_000); // a write that waited would take the 5 s request timeout
    expect(res.interfaces.map((i) => i.interface)).toEqual(["eth0", "net1"]);
  });

  it("the stand-in refuses what kube-apiserver refuses: missing fields on create, a changed note on patch", async () => {
    const bad = await rawRequest(fx.standIn, "POST", "/apis/events.k8s.io/v1/namespaces/ns1/events", {
      contentType: "application/json",
      body: JSON.stringify({
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: "x.1" },
        eventTime: new Date().toISOString(),
        type: "Odd",
        regarding: { namespace: "ns1" },
      }),
    });
    expect(bad.status).toBe(422);
    const fields = (bad.body as { details: { causes: Array<{ field: string }> } }).details.causes.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining(["eventTime", "type", "reportingController", "reportingInstance", "action", "reason"]),
    );
    const name = eventsOf(fx.standIn, "p-ok")[0]!.metadata.name;
    const patch = (body: object) =>
      rawRequest(fx.standIn, "PATCH", `/apis/events.k8s.io/v1/namespaces/ns1/events/${name}`, {
        contentType: "application/merge-patch+json",
        body: JSON.stringify(body),
      });
    expect((await patch({ note: "changed" })).status).toBe(422);
    expect((await patch({ series: { count: 1, lastObservedTime: "2024-01-01T00:00:00.000000Z" } })).status).toBe(422);
  });
});

describe("Kubernetes Events turned off", () => {
  it("kubernetes.events: false writes none", async () => {
    const fx = await startKubeDaemon({
      statusFailurePolicy: "fail",
      events: false,
      seed: (s) => s.createPod({ namespace: "ns1", name: "p", nodeName: DAEMON_NODE, uid: "uid-p" }),
    });
    try {
      await fx.waitHealth(1);
      await fx.attach("c1", { namespace: "ns1", name: "p", uid: "uid-p" });
      await new Promise((r) => setTimeout(r, 300));
      expect(fx.standIn.count({ resource: "events" })).toBe(0);
      expect(fx.standIn.count({ verb: "patch", resource: "pods", subresource: "status" })).toBe(1);
    } finally {
      await fx.close();
    }
  });
});
