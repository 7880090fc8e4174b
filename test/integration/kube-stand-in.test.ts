// The API server stand-in speaks the protocol client-node expects: checked on the wire.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type KubeStandIn, startKubeStandIn } from "../helpers/kube-stand-in/index.js";
import { rawRequest, rawWatch } from "../helpers/kube-stand-in/raw-client.js";

const NADS = "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions";
let s: KubeStandIn;
beforeEach(async () => {
  s = await startKubeStandIn();
});
afterEach(async () => {
  await s.close();
});

describe("kube API server stand-in", () => {
  it("answers 401 without the bearer token and counts the request", async () => {
    expect((await rawRequest(s, "GET", "/api/v1/pods", { token: null })).status).toBe(401);
    expect((await rawRequest(s, "GET", "/api/v1/pods", { token: "wrong" })).status).toBe(401);
    expect(s.count({ verb: "list", resource: "pods" })).toBe(2);
  });

  it("lists with a resourceVersion and filters by spec.nodeName", async () => {
    s.createPod({ namespace: "a", name: "mine", nodeName: "node-a" });
    s.createPod({ namespace: "b", name: "other", nodeName: "node-b" });
    const res = await rawRequest(s, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a");
    const body = res.body as {
      kind: string;
      metadata: { resourceVersion: string };
      items: Array<{ metadata: { name: string } }>;
    };
    expect(res.status).toBe(200);
    expect(body.kind).toBe("PodList");
    expect(Number(body.metadata.resourceVersion)).toBe(s.store.currentRv());
    expect(body.items.map((p) => p.metadata.name)).toEqual(["mine"]);
  });

  it("pages a LIST with limit/continue over one snapshot, and expires the token after compaction", async () => {
    for (let i = 0; i < 3; i++) s.createNad({ namespace: "ns1", name: `n${i}` });
    type Page = {
      metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
      items: Array<{ metadata: { name: string } }>;
    };
    const first = (await rawRequest(s, "GET", `${NADS}?limit=2`)).body as Page;
    s.createNad({ namespace: "ns1", name: "after-snapshot" });
    expect(first.items.map((i) => i.metadata.name)).toEqual(["n0", "n1"]);
    expect(first.metadata.remainingItemCount).toBe(1);
    const second = (
      await rawRequest(s, "GET", `${NADS}?limit=2&continue=${encodeURIComponent(first.metadata.continue!)}`)
    ).body as Page;
    expect(second.items.map((i) => i.metadata.name)).toEqual(["n2"]);
    expect(second.metadata).toEqual({ resourceVersion: first.metadata.resourceVersion });
    s.compact();
    const expired = await rawRequest(
      s,
      "GET",
      `${NADS}?limit=2&continue=${encodeURIComponent(first.metadata.continue!)}`,
    );
    expect(expired.status).toBe(410);
  });

  it("GETs one object and answers 404 with a NotFound Status", async () => {
    s.createNad({ namespace: "ns1", name: "net", config: { type: "bridge" } });
    const ok = await rawRequest(s, "GET", "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/net");
    expect(ok.status).toBe(200);
    expect((ok.body as { spec: { config: string } }).spec.config).toBe('{"type":"bridge"}');
    const missing = await rawRequest(
      s,
      "GET",
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/nope",
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });

  it("streams ADDED, MODIFIED and DELETED after the resourceVersion, and bookmarks only when allowed", async () => {
    s.createNad({ namespace: "ns1", name: "before" });
    const rv = s.store.currentRv();
    s.createNad({ namespace: "ns1", name: "replayed" });
    const plain = await rawWatch(s, `${NADS}?watch=true&resourceVersion=${rv}`);
    const withMarks = await rawWatch(s, `${NADS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
    s.updateNad("ns1", "replayed", { type: "macvlan" });
    s.deleteNad("ns1", "replayed");
    s.sendBookmarks();
    const expected = [
      ["ADDED", "replayed"],
      ["MODIFIED", "replayed"],
      ["DELETED", "replayed"],
    ];
    await vi.waitFor(() => expect(withMarks.events).toHaveLength(4));
    expect(withMarks.events.slice(0, 3).map((e) => [e.type, e.object.metadata?.name])).toEqual(expected);
    expect(withMarks.events[3]).toMatchObject({
      type: "BOOKMARK",
      object: { metadata: { resourceVersion: String(s.store.currentRv()) } },
    });
    s.endWatches();
    await plain.ended;
    expect(plain.events.map((e) => [e.type, e.object.metadata?.name])).toEqual(expected);
  });

  it("turns pods entering or leaving a field selection into ADDED / DELETED", async () => {
    s.createPod({ namespace: "a", name: "p", nodeName: "" });
    const w = await rawWatch(
      s,
      `/api/v1/pods?watch=true&resourceVersion=${s.store.currentRv()}&fieldSelector=spec.nodeName%3Dnode-a`,
    );
    s.updatePod("a", "p", (pod) => ((pod.spec as { nodeName: string }).nodeName = "node-a"));
    s.updatePod("a", "p", (pod) => ((pod.spec as { nodeName: string }).nodeName = "node-b"));
    await vi.waitFor(() => expect(w.events.map((e) => e.type)).toEqual(["ADDED", "DELETED"]));
    w.close();
  });

  it("answers a watch from a compacted resourceVersion with an ERROR 410 event and ends it", async () => {
    s.createNad({ namespace: "ns1", name: "x" });
    const old = s.store.currentRv() - 1;
    s.compact();
    const w = await rawWatch(s, `${NADS}?watch=true&resourceVersion=${old}`);
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" }) },
    ]);
  });

  it("merge-patches pods/status (metadata and status only) and rejects other patch types", async () => {
    const pod = s.createPod({ namespace: "a", name: "p", nodeName: "node-a", annotations: { keep: "1" } });
    const path = "/api/v1/namespaces/a/pods/p/status";
    const body = JSON.stringify({ metadata: { annotations: { added: "2" } }, spec: { nodeName: "hijack" } });
    expect((await rawRequest(s, "PATCH", path, { body, contentType: "application/json-patch+json" })).status).toBe(415);
    const res = await rawRequest(s, "PATCH", path, { body, contentType: "application/merge-patch+json" });
    expect(res.status).toBe(200);
    const stored = s.getPod("a", "p")!;
    expect(stored.metadata.annotations).toEqual({ keep: "1", added: "2" });
    expect((stored.spec as { nodeName: string }).nodeName).toBe("node-a");
    expect(Number(stored.metadata.resourceVersion)).toBeGreaterThan(Number(pod.metadata.resourceVersion));
  });

  it("answers a merge patch bound to another UID as kube-apiserver does: 422 Invalid on metadata.uid, nothing written", async () => {
    const pod = s.createPod({
      namespace: "a",
      name: "p",
      nodeName: "node-a",
      uid: "uid-new",
      annotations: { keep: "1" },
    });
    const path = "/api/v1/namespaces/a/pods/p/status";
    const patch = (metadata: object) =>
      rawRequest(s, "PATCH", path, { body: JSON.stringify({ metadata }), contentType: "application/merge-patch+json" });
    const res = await patch({ uid: "uid-old", annotations: { x: "y" } });
    expect(res).toEqual({
      status: 422,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'Pod "p" is invalid: metadata.uid: Invalid value: "uid-old": field is immutable',
        reason: "Invalid",
        details: {
          name: "p",
          kind: "Pod",
          causes: [
            {
              reason: "FieldValueInvalid",
              message: 'Invalid value: "uid-old": field is immutable',
              field: "metadata.uid",
            },
            {
              reason: "FieldValueInvalid",
              message: 'Invalid value: "uid-old": field is immutable',
              field: "metadata.uid",
            },
          ],
        },
        code: 422,
      },
    });
    expect(s.getPod("a", "p")!.metadata).toEqual(pod.metadata);
    const stale = await patch({ resourceVersion: "1", annotations: { x: "y" } });
    expect(stale).toMatchObject({
      status: 409,
      body: { reason: "Conflict", message: expect.stringContaining("the object has been modified") },
    });
    expect((await patch({ uid: "uid-new", annotations: { x: "y" } })).status).toBe(200);
    expect(s.getPod("a", "p")!.metadata.annotations).toEqual({ keep: "1", x: "y" });
  });

  it("has outages it still counts: every request answered 503 (or 429), open watches dropped, until recover()", async () => {
    const w = await rawWatch(s, "/api/v1/pods?watch=true");
    s.resetRequests();
    s.outage();
    await w.ended;
    expect((await rawRequest(s, "GET", "/api/v1/pods")).body).toMatchObject({
      code: 503,
      reason: "ServiceUnavailable",
    });
    s.outage(429);
    expect((await rawRequest(s, "GET", "/api/v1/pods", { token: null })).status).toBe(429);
    expect(s.count()).toBe(2);
    s.recover();
    expect((await rawRequest(s, "GET", "/api/v1/pods")).status).toBe(200);
  });

  it("goes down (connections refused) and comes back on the same URL", async () => {
    await s.down();
    await expect(rawRequest(s, "GET", "/api/v1/pods")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await s.up();
    expect((await rawRequest(s, "GET", "/api/v1/pods")).status).toBe(200);
  });

  it("injects failures for matching requests only", async () => {
    s.createPod({ namespace: "a", name: "p", nodeName: "node-a" });
    s.failNext({ verb: "get", resource: "pods" }, 503);
    expect((await rawRequest(s, "GET", "/api/v1/pods")).status).toBe(200);
    expect((await rawRequest(s, "GET", "/api/v1/namespaces/a/pods/p")).status).toBe(503);
    expect((await rawRequest(s, "GET", "/api/v1/namespaces/a/pods/p")).status).toBe(200);
  });
});
