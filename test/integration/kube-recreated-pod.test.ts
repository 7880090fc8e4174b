// A pod deleted and recreated under the same name while its old sandbox's ADD is still running
// (a StatefulSet replacing a pod): the old sandbox's network-status must never land on the new
// pod. The status PATCH is bound to the sandbox's pod UID; the stand-in answers it as
// kube-apiserver does (422 Invalid, metadata.uid immutable), and the ADD fails POD_UID_MISMATCH,
// rolled back, so the old sandbox holds no addresses while kubelet tears it down.
import type { RichClientError } from "nice-grpc-error-details";
import { afterEach, expect, it } from "vitest";
import { NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import {
  DAEMON_NODE,
  errorInfo,
  type KubeDaemonFixture,
  startKubeDaemon,
} from "../helpers/kube-stand-in/daemon-fixture.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
let fx: KubeDaemonFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

it("an ADD that outlives its pod's delete-and-recreate writes nothing onto the new pod, fails POD_UID_MISMATCH and is rolled back", async () => {
  fx = await startKubeDaemon({
    statusFailurePolicy: "ignore", // not an API failure: the policy does not turn it into a success
    seed: (s, noopNet) => {
      s.createNad({ namespace: "ns1", name: "blue", config: noopNet("blue") });
      s.createPod({
        namespace: "ns1",
        name: "web-0",
        nodeName: DAEMON_NODE,
        uid: "uid-old",
        annotations: { [NETWORKS]: "blue" },
      });
    },
  });
  const f = fx;
  await f.waitHealth(1);

  const held = f.hold();
  const oldAdd = f.attach("sandbox-old", { namespace: "ns1", name: "web-0", uid: "uid-old" }).then(
    () => expect.fail("the old sandbox's ADD succeeded"),
    (e: unknown) => e,
  );
  await held.started; // planned and resolved for uid-old; its cluster plugin is running
  f.standIn.deletePod("ns1", "web-0");
  f.standIn.createPod({
    namespace: "ns1",
    name: "web-0",
    nodeName: DAEMON_NODE,
    uid: "uid-new",
    annotations: { [NETWORKS]: "blue" },
  });
  f.standIn.resetRequests();
  await held.release();

  const err = await oldAdd;
  expect(errorInfo(err)).toMatchObject({ reason: "POD_UID_MISMATCH", metadata: { cniCode: "7" } });
  expect((err as RichClientError).details).toMatch(
    /^pod ns1\/web-0 was deleted and recreated while sandbox UID uid-old was attached: .*HTTP 422: Pod "web-0" is invalid: metadata\.uid/,
  );

  // One PATCH, bound to the old UID, refused: the new pod carries no network-status.
  const patches = f.standIn.requests.filter((r) => r.verb === "patch");
  expect(
    patches.map((r) => [r.path, r.status, (JSON.parse(r.body!) as { metadata: { uid?: string } }).metadata.uid]),
  ).toEqual([["/api/v1/namespaces/ns1/pods/web-0/status", 422, "uid-old"]]);
  expect(f.standIn.getPod("ns1", "web-0")!.metadata.annotations).not.toHaveProperty(NETWORK_STATUS_ANNOTATION);
  // Rolled back in reverse, nothing kept for the old sandbox.
  expect(f.pluginCalls().filter((c) => c.command === "DEL")).toEqual([
    { command: "DEL", network: "blue", ifName: "net1" },
    { command: "DEL", network: "cluster", ifName: "eth0" },
  ]);
  expect((await f.daemon.client.api.listAttachments({ containerId: "sandbox-old" })).attachments).toEqual([]);

  // The new pod's own sandbox: its status, bound to its UID.
  const res = await f.attach("sandbox-new", { namespace: "ns1", name: "web-0", uid: "uid-new" });
  const stored = f.standIn.getPod("ns1", "web-0")!.metadata.annotations![NETWORK_STATUS_ANNOTATION]!;
  expect(JSON.parse(stored)).toEqual(JSON.parse(res.networkStatusJson));
  expect(
    f.standIn.requests
      .filter((r) => r.verb === "patch")
      .map((r) => [r.status, (JSON.parse(r.body!) as { metadata: { uid?: string } }).metadata.uid]),
  ).toEqual([
    [422, "uid-old"],
    [200, "uid-new"],
  ]);
  await f.detach("sandbox-new");
});
