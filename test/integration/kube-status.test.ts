// network-status goes back as ONE merge PATCH on pods/status carrying only that annotation,
// bound to the pod's UID; conflicts and server errors are retried (bounded; one try while the
// API server is failing), a recreated pod is refused, and the failure policy decides the rest.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NetworkStatusEntry } from "../../server/src/attach/index.js";
import { ERROR_CODES } from "../../server/src/errors/error-codes.js";
import { userAgent } from "../../server/src/kube/client-identity.js";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import { type EdgeFixture, NODE, startEdgeFixture } from "../helpers/kube-stand-in/edge-fixture.js";

const STATUS: NetworkStatusEntry[] = [
  {
    name: "default/cluster-net",
    interface: "eth0",
    ips: ["10.1.0.5"],
    mac: "0a:58:0a:01:00:05",
    default: true,
    dns: {},
    gateway: ["10.1.0.1"],
  },
  {
    name: "ns1/blue",
    interface: "net1",
    ips: ["192.168.7.2", "fd00::2"],
    mac: "0a:58:c0:a8:07:02",
    default: false,
    dns: {},
  },
];
const POD = { namespace: "ns1", name: "p", uid: "" };

let fx: EdgeFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function synced(opts: Parameters<typeof startEdgeFixture>[0] = {}): Promise<EdgeFixture> {
  fx = await startEdgeFixture({
    ...opts,
    seed: (s) =>
      void s.createPod({
        namespace: "ns1",
        name: "p",
        nodeName: NODE,
        annotations: { "k8s.v1.cni.cncf.io/networks": "blue", other: "kept" },
      }),
  });
  await vi.waitFor(() => expect(fx!.edge.ready()).toBe(true));
  fx.standIn.resetRequests();
  return fx;
}

const patches = (f: EdgeFixture) => f.standIn.requests.filter((r) => r.verb === "patch");

describe("kube edge: network-status", () => {
  it("sends one merge PATCH on pods/status with only the annotation, and the stand-in stores it", async () => {
    const f = await synced();
    await f.edge.statusWriter.write(POD, STATUS, {});
    expect(f.standIn.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PATCH /api/v1/namespaces/ns1/pods/p/status",
    ]);
    const [req] = patches(f);
    expect(req!.contentType).toBe("application/merge-patch+json");
    const body = JSON.parse(req!.body!) as { metadata: { annotations: Record<string, string> } };
    expect(Object.keys(body)).toEqual(["metadata"]);
    expect(Object.keys(body.metadata)).toEqual(["annotations"]);
    expect(Object.keys(body.metadata.annotations)).toEqual([NETWORK_STATUS_ANNOTATION]);

    const stored = f.standIn.getPod("ns1", "p")!.metadata.annotations!;
    expect(JSON.parse(stored[NETWORK_STATUS_ANNOTATION]!)).toEqual(STATUS);
    expect(stored.other).toBe("kept");
    expect(stored["k8s.v1.cni.cncf.io/networks"]).toBe("blue");
  });

  it("retries a 409 Conflict and 5xx, then succeeds", async () => {
    const f = await synced();
    f.standIn.failNext({ verb: "patch", resource: "pods" }, 409, 2);
    f.standIn.failNext({ verb: "patch", resource: "pods" }, 503, 1);
    await f.edge.statusWriter.write(POD, STATUS, {});
    expect(patches(f).map((r) => r.status)).toEqual([409, 409, 503, 200]);
    expect(JSON.parse(f.standIn.getPod("ns1", "p")!.metadata.annotations![NETWORK_STATUS_ANNOTATION]!)).toEqual(STATUS);
  });

  it("fails with STATUS_WRITE_FAILED (CNI 11) after the bounded tries under policy fail", async () => {
    const f = await synced({ config: { tuning: { statusWriteAttempts: 3 } } });
    f.standIn.failNext({ verb: "patch" }, 409, 10);
    const err = await f.edge.statusWriter.write(POD, STATUS, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "DaemonError", code: "STATUS_WRITE_FAILED", context: { source: "pod ns1/p" } });
    expect(ERROR_CODES.STATUS_WRITE_FAILED.cniCode).toBe(11);
    expect((err as Error).message).toContain("HTTP 409");
    expect(patches(f)).toHaveLength(3);
  });

  it("does not retry a refusal (403) and fails at once", async () => {
    const f = await synced();
    f.standIn.failNext({ verb: "patch" }, 403, 10);
    await expect(f.edge.statusWriter.write(POD, STATUS, {})).rejects.toMatchObject({ code: "STATUS_WRITE_FAILED" });
    expect(patches(f)).toHaveLength(1);
  });

  it("logs and goes on under policy ignore, even with the API server down", async () => {
    const f = await synced({ config: { statusFailurePolicy: "ignore", tuning: { statusWriteAttempts: 2 } } });
    await f.standIn.down();
    await expect(f.edge.statusWriter.write(POD, STATUS, {})).resolves.toBeUndefined();
  });

  it("fails with STATUS_WRITE_FAILED under policy fail when the API server is down", async () => {
    const f = await synced({ config: { tuning: { statusWriteAttempts: 2 } } });
    await f.standIn.down();
    await expect(f.edge.statusWriter.write(POD, STATUS, {})).rejects.toMatchObject({ code: "STATUS_WRITE_FAILED" });
  });

  it("binds the PATCH to the pod's UID and names netattachd as User-Agent and field manager", async () => {
    const f = await synced();
    const uid = f.standIn.getPod("ns1", "p")!.metadata.uid;
    await f.edge.statusWriter.write({ ...POD, uid }, STATUS, {});
    const [req] = patches(f);
    expect(JSON.parse(req!.body!)).toEqual({
      metadata: { uid, annotations: { [NETWORK_STATUS_ANNOTATION]: JSON.stringify(STATUS, null, 4) } },
    });
    expect(req!.query.fieldManager).toBe("netattachd");
    expect(req!.userAgent).toBe(userAgent());
    expect(userAgent()).toMatch(/^netattachd\/\d+\.\d+\.\d+/);
  });

  it.each(["fail", "ignore"] as const)(
    "refuses to write onto a recreated pod: POD_UID_MISMATCH after one 422, nothing stored (policy %s)",
    async (policy) => {
      const f = await synced({ config: { statusFailurePolicy: policy } });
      const err = await f.edge.statusWriter
        .write({ ...POD, uid: "uid-of-the-deleted-pod" }, STATUS, {})
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        name: "DaemonError",
        code: "POD_UID_MISMATCH",
        context: { phase: "status-write", source: "pod ns1/p" },
      });
      expect((err as Error).message).toContain('HTTP 422: Pod "p" is invalid: metadata.uid');
      expect(patches(f).map((r) => r.status)).toEqual([422]);
      expect(f.standIn.getPod("ns1", "p")!.metadata.annotations).not.toHaveProperty(NETWORK_STATUS_ANNOTATION);
    },
  );

  it("does not bind a static pod's status to the runtime's UID (its mirror pod has another)", async () => {
    fx = await startEdgeFixture({
      seed: (s) =>
        void s.createPod({
          namespace: "kube-system",
          name: "etcd-node-a",
          nodeName: NODE,
          uid: "uid-mirror",
          annotations: { "kubernetes.io/config.source": "file" },
        }),
    });
    const f = fx;
    await vi.waitFor(() => expect(f.edge.ready()).toBe(true));
    f.standIn.resetRequests();
    await f.edge.statusWriter.write(
      { namespace: "kube-system", name: "etcd-node-a", uid: "uid-of-the-static-pod" },
      STATUS,
      {},
    );
    expect(patches(f).map((r) => [r.status, (JSON.parse(r.body!) as { metadata: object }).metadata])).toEqual([
      [200, { annotations: expect.any(Object) }],
    ]);
  });

  it("makes one try instead of its retries while the API server is failing, and full tries again after a success", async () => {
    const f = await synced({ config: { statusFailurePolicy: "ignore", tuning: { statusWriteAttempts: 3 } } });
    f.standIn.failNext({ verb: "patch" }, 503, 4);
    await f.edge.statusWriter.write(POD, STATUS, {}); // 3 tries: the API server is now known to fail
    await f.edge.statusWriter.write(POD, STATUS, {}); // 1 try
    expect(patches(f).map((r) => r.status)).toEqual([503, 503, 503, 503]);
    await f.edge.statusWriter.write(POD, STATUS, {}); // 1 try, succeeds
    f.standIn.failNext({ verb: "patch" }, 503, 2);
    await f.edge.statusWriter.write(POD, STATUS, {}); // full tries again
    expect(patches(f).map((r) => r.status)).toEqual([503, 503, 503, 503, 200, 503, 503, 200]);
  });

  it("treats a pod that is gone as nothing to write", async () => {
    const f = await synced();
    await expect(
      f.edge.statusWriter.write({ namespace: "ns1", name: "gone", uid: "" }, STATUS, {}),
    ).resolves.toBeUndefined();
    expect(patches(f).map((r) => r.status)).toEqual([404]);
  });
});
