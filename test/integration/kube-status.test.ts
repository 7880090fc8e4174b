// network-status goes back as ONE merge PATCH on pods/status carrying only that annotation;
// conflicts and server errors are retried (bounded), and the failure policy decides the rest.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NetworkStatusEntry } from "../../server/src/attach/types.js";
import { ERROR_CODES } from "../../server/src/errors/error-codes.js";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import { type EdgeFixture, NODE, startEdgeFixture } from "../helpers/kube-stand-in/edge-fixture.js";

const STATUS: NetworkStatusEntry[] = [
  { name: "default/cluster-net", interface: "eth0", ips: ["10.1.0.5"], mac: "0a:58:0a:01:00:05", default: true, dns: {}, gateway: ["10.1.0.1"] },
  { name: "ns1/blue", interface: "net1", ips: ["192.168.7.2", "fd00::2"], mac: "0a:58:c0:a8:07:02", default: false, dns: {} },
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
    seed: (s) => void s.createPod({ namespace: "ns1", name: "p", nodeName: NODE, annotations: { "k8s.v1.cni.cncf.io/networks": "blue", other: "kept" } }),
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
    expect(f.standIn.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["PATCH /api/v1/namespaces/ns1/pods/p/status"]);
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

  it("treats a pod that is gone as nothing to write", async () => {
    const f = await synced();
    await expect(f.edge.statusWriter.write({ namespace: "ns1", name: "gone", uid: "" }, STATUS, {})).resolves.toBeUndefined();
    expect(patches(f).map((r) => r.status)).toEqual([404]);
  });
});
