// Pods through the kube edge: the node-scoped informer, live GET with bounded retry,
// UID rules (recreated pods rejected, static pods excepted), and the API server going away.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ERROR_CODES } from "../../server/src/errors/error-codes.js";
import { checkPodUid, type KubePodSource } from "../../server/src/kube/index.js";
import { type EdgeFixture, NODE, startEdgeFixture } from "../helpers/kube-stand-in/edge-fixture.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
let fx: EdgeFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function synced(opts: Parameters<typeof startEdgeFixture>[0] = {}): Promise<EdgeFixture> {
  fx = await startEdgeFixture(opts);
  await vi.waitFor(() => expect(fx!.edge.ready()).toBe(true), { timeout: 10_000 });
  return fx;
}
const pods = (f: EdgeFixture) => f.edge.podSource as KubePodSource;

describe("kube edge: pods", () => {
  it("lists and watches only this node's pods, trimmed to identity and annotations", async () => {
    const f = await synced({
      seed: (s) => {
        s.createPod({
          namespace: "ns1",
          name: "here",
          nodeName: NODE,
          annotations: { [NETWORKS]: "blue", "kubectl.kubernetes.io/last-applied-configuration": "{...}" },
        });
        s.createPod({ namespace: "ns1", name: "there", nodeName: "node-b" });
      },
    });
    expect(
      f.standIn.requests.filter((r) => r.resource === "pods").map((r) => `${r.verb} ${r.query.fieldSelector}`),
    ).toEqual([`list spec.nodeName=${NODE}`, `watch spec.nodeName=${NODE}`]);
    f.standIn.resetRequests();
    const here = await pods(f).getPod("ns1", "here");
    expect(here.found).toEqual({
      namespace: "ns1",
      name: "here",
      uid: f.standIn.getPod("ns1", "here")!.metadata.uid,
      annotations: { [NETWORKS]: "blue" },
      isStatic: false,
    });
    expect(f.standIn.requests).toEqual([]); // served from the cache
  });

  it("lists in pages of listPageSize, all pages from one snapshot", async () => {
    const f = await synced({
      config: { tuning: { listPageSize: 2 } },
      seed: (s) => {
        for (let i = 0; i < 5; i++) s.createPod({ namespace: "ns1", name: `p${i}`, nodeName: NODE });
      },
    });
    const lists = f.standIn.requests.filter((r) => r.verb === "list" && r.resource === "pods");
    expect(lists.map((r) => [r.query.limit, r.query.continue !== undefined])).toEqual([
      ["2", false],
      ["2", true],
      ["2", true],
    ]);
    for (let i = 0; i < 5; i++) expect((await pods(f).getPod("ns1", `p${i}`)).found?.name).toBe(`p${i}`);
    expect(f.standIn.count({ verb: "get" })).toBe(0);
  });

  it("honours annotations changed on a cached pod once the watch delivers them", async () => {
    const f = await synced({
      seed: (s) =>
        void s.createPod({ namespace: "ns1", name: "p", nodeName: NODE, annotations: { [NETWORKS]: "blue" } }),
    });
    f.standIn.failNext({ verb: "get", resource: "pods" }, 500, 100_000); // informer path only
    f.standIn.setPodAnnotations("ns1", "p", { [NETWORKS]: "blue,red" });
    await vi.waitFor(async () =>
      expect((await pods(f).getPod("ns1", "p")).found?.annotations[NETWORKS]).toBe("blue,red"),
    );
  });

  it("reads a pod the informer has not seen yet live, with the annotations set just before ADD", async () => {
    const f = await synced();
    f.standIn.stallWatches();
    f.standIn.createPod({ namespace: "ns1", name: "new", nodeName: NODE, annotations: { [NETWORKS]: "blue" } });
    f.standIn.setPodAnnotations("ns1", "new", { [NETWORKS]: "blue,green" });
    f.standIn.resetRequests();
    const r = await pods(f).getPod("ns1", "new");
    expect(r.found?.annotations).toEqual({ [NETWORKS]: "blue,green" });
    expect(f.standIn.requests.map((q) => `${q.verb} ${q.path}`)).toEqual(["get /api/v1/namespaces/ns1/pods/new"]);
  });

  it("retries a live GET on 5xx and answers not-found for a pod that does not exist", async () => {
    const f = await synced({ seed: (s) => void s.createPod({ namespace: "ns1", name: "p", nodeName: NODE }) });
    f.standIn.stallWatches();
    f.standIn.createPod({ namespace: "ns1", name: "late", nodeName: NODE });
    f.standIn.failNext({ verb: "get", resource: "pods" }, 503, 2);
    f.standIn.resetRequests();
    expect((await pods(f).getPod("ns1", "late")).found?.name).toBe("late");
    expect(f.standIn.requests.map((q) => q.status)).toEqual([503, 503, 200]);
    expect(await pods(f).getPod("ns1", "nobody")).toEqual({ reason: "not-found" });
  });

  it("re-reads a cached pod whose UID differs from the runtime's (recreated while the cache lagged)", async () => {
    const f = await synced({
      seed: (s) =>
        void s.createPod({ namespace: "ns1", name: "p", nodeName: NODE, annotations: { [NETWORKS]: "old" } }),
    });
    const oldUid = f.standIn.getPod("ns1", "p")!.metadata.uid;
    f.standIn.stallWatches();
    f.standIn.deletePod("ns1", "p");
    const fresh = f.standIn.createPod({
      namespace: "ns1",
      name: "p",
      nodeName: NODE,
      annotations: { [NETWORKS]: "new" },
    });
    expect((await pods(f).getPod("ns1", "p")).found?.uid).toBe(oldUid); // no UID given: the cache answers
    const r = await pods(f).getPod("ns1", "p", { uid: fresh.metadata.uid });
    expect(r.found).toMatchObject({ uid: fresh.metadata.uid, annotations: { [NETWORKS]: "new" } });
  });

  it("rejects a UID mismatch with POD_UID_MISMATCH, except for static pods", async () => {
    const f = await synced({
      seed: (s) => {
        s.createPod({ namespace: "ns1", name: "api-pod", nodeName: NODE, uid: "uid-api" });
        s.createPod({
          namespace: "kube-system",
          name: "etcd-node-a",
          nodeName: NODE,
          uid: "uid-mirror",
          annotations: { "kubernetes.io/config.source": "file" },
        });
      },
    });
    const apiPod = (await pods(f).getPod("ns1", "api-pod", { uid: "uid-recreated" })).found!;
    expect(apiPod.uid).toBe("uid-api"); // the live GET agrees with the cache
    let err: unknown;
    try {
      checkPodUid("uid-recreated", apiPod);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: "DaemonError", code: "POD_UID_MISMATCH" });
    expect((err as Error).message).toContain("ns1/api-pod");
    expect(ERROR_CODES.POD_UID_MISMATCH.cniCode).toBe(7);
    expect(() => checkPodUid("uid-api", apiPod)).not.toThrow();

    f.standIn.resetRequests();
    const mirror = (await pods(f).getPod("kube-system", "etcd-node-a", { uid: "uid-of-the-static-pod" })).found!;
    expect(mirror.isStatic).toBe(true);
    expect(() => checkPodUid("uid-of-the-static-pod", mirror)).not.toThrow();
    expect(f.standIn.requests).toEqual([]); // static: the cached mirror pod is accepted as is
  });

  it("with the API server down: readiness false, uncached pods fail with KUBE_API_UNAVAILABLE (CNI 11), cached ones still answer", async () => {
    const f = await synced({
      seed: (s) => void s.createPod({ namespace: "ns1", name: "cached", nodeName: NODE, annotations: { a: "1" } }),
    });
    await f.standIn.down();
    await vi.waitFor(() => expect(f.edge.ready()).toBe(false));
    expect(f.edge.podSource.ready()).toBe(false);
    expect(f.edge.notReadyReasons().join("\n")).toContain(`pods on node ${NODE}`);
    expect((await pods(f).getPod("ns1", "cached")).found?.annotations).toEqual({ a: "1" });
    const err = await pods(f)
      .getPod("ns1", "uncached")
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "DaemonError",
      code: "KUBE_API_UNAVAILABLE",
      context: { phase: "kube", source: "pod ns1/uncached" },
    });
    expect(ERROR_CODES[(err as { code: keyof typeof ERROR_CODES }).code].cniCode).toBe(11);
    expect((err as Error).message).toMatch(/could not be reached \(ECONNREFUSED/);

    f.standIn.createPod({ namespace: "ns1", name: "uncached", nodeName: NODE, annotations: { b: "2" } });
    await f.standIn.up();
    await vi.waitFor(() => expect(f.edge.ready()).toBe(true), { timeout: 10_000 }); // a relist after a backoff
    expect(f.edge.notReadyReasons()).toEqual([]);
    expect((await pods(f).getPod("ns1", "uncached")).found?.annotations).toEqual({ b: "2" });
  });

  it("gives up on a hanging API server after the per-request timeout and the bounded tries", async () => {
    const f = await synced({ config: { tuning: { requestTimeoutMs: 300, liveGetAttempts: 2 } } });
    f.standIn.failNext({ verb: "get", resource: "pods" }, "hang", 2);
    const err = await pods(f)
      .getPod("ns1", "slow")
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "KUBE_API_UNAVAILABLE" });
    expect(f.standIn.count({ verb: "get", resource: "pods" })).toBe(2);
  });

  it("reports a caller's cancellation as CANCELLED, not as an API failure", async () => {
    const f = await synced();
    f.standIn.failNext({ verb: "get", resource: "pods" }, "hang", 1);
    const ac = new AbortController();
    const pending = pods(f)
      .getPod("ns1", "slow", { signal: ac.signal })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(f.standIn.count({ verb: "get", resource: "pods" })).toBe(1));
    ac.abort();
    expect(await pending).toMatchObject({ code: "CANCELLED" });
  });
});
