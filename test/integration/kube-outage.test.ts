// A daemon that was ready and then lost the API server — without any ADD in between — keeps
// attaching from its caches: the pod's annotations from the pod informer, the definition from
// the NetworkAttachmentDefinition informer, and the cluster network from its conf file (named
// by conf name, so no live GET of a definition is needed). With statusFailurePolicy ignore the
// ADD succeeds; with fail it fails with STATUS_WRITE_FAILED (CNI 11) and is rolled back.
import type { RichClientError } from "nice-grpc-error-details";
import { afterEach, describe, expect, it } from "vitest";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import {
  DAEMON_NODE,
  errorInfo,
  type KubeDaemonFixture,
  startKubeDaemon,
} from "../helpers/kube-stand-in/daemon-fixture.js";
import type { KubeStandIn } from "../helpers/kube-stand-in/index.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
let fx: KubeDaemonFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const seed = (s: KubeStandIn, noopNet: (name: string) => object): void => {
  s.createNad({ namespace: "ns1", name: "blue", config: noopNet("blue") });
  s.createPod({
    namespace: "ns1",
    name: "cached",
    nodeName: DAEMON_NODE,
    uid: "uid-cached",
    annotations: { [NETWORKS]: "blue" },
  });
  s.createPod({
    namespace: "ns1",
    name: "wants-new",
    nodeName: DAEMON_NODE,
    uid: "uid-wants-new",
    annotations: { [NETWORKS]: "created-later" },
  });
};
const CACHED = { namespace: "ns1", name: "cached", uid: "uid-cached" };

/** Ready once, no ADD, then the API server goes away and readiness is lost. */
async function readyThenApiGone(policy: "fail" | "ignore"): Promise<KubeDaemonFixture> {
  fx = await startKubeDaemon({ statusFailurePolicy: policy, seed });
  await fx.waitHealth(1);
  await fx.standIn.down();
  await fx.waitHealth(2);
  expect((await fx.daemon.client.api.getStatus({})).ready).toBe(false);
  return fx;
}

describe("ADD through an API server outage", () => {
  it("statusFailurePolicy ignore: attaches from the caches and the conf-named cluster network; DEL cleans up", async () => {
    const f = await readyThenApiGone("ignore");
    const res = await f.attach("c-outage", CACHED);
    expect(res.interfaces.map((i) => [i.interface, i.network])).toEqual([
      ["eth0", "cluster"],
      ["net1", "ns1/blue"],
    ]);
    expect(
      f
        .pluginCalls()
        .filter((c) => c.command === "ADD")
        .map((c) => c.network),
    ).toEqual(["cluster", "blue"]);
    expect(
      f.daemon.logs.some(
        (l) => l.msg === "network-status not written (statusFailurePolicy: ignore)" && l.pod === "ns1/cached",
      ),
    ).toBe(true);
    expect(f.standIn.getPod("ns1", "cached")!.metadata.annotations).not.toHaveProperty(NETWORK_STATUS_ANNOTATION);

    // A definition the caches never saw needs the API: retryable, named, nothing left.
    const err = await f
      .attach("c-new", { namespace: "ns1", name: "wants-new", uid: "uid-wants-new" })
      .catch((e: unknown) => e);
    expect(errorInfo(err)).toMatchObject({ reason: "KUBE_API_UNAVAILABLE", metadata: { cniCode: "11" } });
    expect((err as RichClientError).details).toContain("NetworkAttachmentDefinition ns1/created-later");
    expect((await f.daemon.client.api.listAttachments({ containerId: "c-new" })).attachments).toEqual([]);

    await f.detach("c-outage");
    expect((await f.daemon.client.api.listAttachments({})).attachments).toEqual([]);

    // Back: ready again, and the status is written again.
    await f.standIn.up();
    await f.waitHealth(1, 45_000);
    await f.attach("c-back", CACHED);
    expect(f.standIn.getPod("ns1", "cached")!.metadata.annotations).toHaveProperty(NETWORK_STATUS_ANNOTATION);
    await f.detach("c-back");
  });

  it("statusFailurePolicy fail: the same ADD fails with STATUS_WRITE_FAILED (CNI 11) and is rolled back", async () => {
    const f = await readyThenApiGone("fail");
    const err = await f.attach("c-fail", CACHED).catch((e: unknown) => e);
    expect(errorInfo(err)).toMatchObject({ reason: "STATUS_WRITE_FAILED", metadata: { cniCode: "11" } });
    expect((err as RichClientError).details).toMatch(/^writing network-status of pod ns1\/cached failed: ECONNREFUSED/);
    expect(f.pluginCalls().map((c) => `${c.command} ${c.network}`)).toEqual([
      "ADD cluster",
      "ADD blue",
      "DEL blue",
      "DEL cluster",
    ]);
    expect((await f.daemon.client.api.listAttachments({})).attachments).toEqual([]);
  });
});
