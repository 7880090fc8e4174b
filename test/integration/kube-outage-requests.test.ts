// What a node asks of an API server that cannot serve, for 60 s of real time, with the
// production defaults (readiness poll, informer and live-request backoff): the stand-in stays up
// and answers every request 503, so each one is counted. Kubelet keeps creating sandboxes
// meanwhile (an ADD every 5 s). Before the backoff, a conf-named cluster network cost a
// definition GET (three tries) on every readiness poll, once a second; now the whole node stays
// well under one request a second, and once the outage is known each ADD's status PATCH makes a
// single try.
import { afterAll, expect, it } from "vitest";
import { DEFAULT_KUBE_TUNING, NETWORK_STATUS_ANNOTATION } from "../../server/src/kube/index.js";
import { DAEMON_NODE, type KubeDaemonFixture, startKubeDaemon } from "../helpers/kube-stand-in/daemon-fixture.js";

const OUTAGE_MS = 60_000;
const ADD_EVERY_MS = 5_000;
let fx: KubeDaemonFixture | undefined;
afterAll(async () => {
  await fx?.close();
});

it("a 60 s outage costs a bounded number of requests, and the node recovers", { timeout: 180_000 }, async () => {
  fx = await startKubeDaemon({
    statusFailurePolicy: "ignore",
    seed: (s, noopNet) => {
      s.createNad({ namespace: "ns1", name: "blue", config: noopNet("blue") });
      s.createPod({
        namespace: "ns1",
        name: "web",
        nodeName: DAEMON_NODE,
        uid: "uid-web",
        annotations: { "k8s.v1.cni.cncf.io/networks": "blue" },
      });
    },
  });
  const f = fx;
  await f.waitHealth(1);
  f.standIn.resetRequests();
  f.standIn.outage(503);

  const started = Date.now();
  let adds = 0;
  while (Date.now() - started < OUTAGE_MS) {
    const id = `c${adds++}`;
    const res = await f.attach(id, { namespace: "ns1", name: "web", uid: "uid-web" });
    expect(res.interfaces.map((i) => i.network)).toEqual(["cluster", "ns1/blue"]);
    await f.detach(id);
    await new Promise((r) => setTimeout(r, Math.max(0, started + adds * ADD_EVERY_MS - Date.now())));
  }
  const during = [...f.standIn.requests];
  f.standIn.recover();

  const count = (pred: (r: (typeof during)[number]) => boolean) => during.filter(pred).length;
  const byKind = {
    pods: count((r) => r.resource === "pods" && (r.verb === "watch" || r.verb === "list")),
    nads: count((r) => r.resource === "network-attachment-definitions" && (r.verb === "watch" || r.verb === "list")),
    gets: count((r) => r.verb === "get"),
    patches: count((r) => r.verb === "patch"),
  };
  console.log(`60 s outage, ${adds} ADDs: ${JSON.stringify(byKind)}, ${during.length} requests in all`);
  expect(during.every((r) => r.status === 503)).toBe(true);
  // Informer restarts: 250 ms doubling to 30 s, jittered down by up to half → at most ~10 a minute each.
  expect(byKind.pods).toBeLessThanOrEqual(12);
  expect(byKind.nads).toBeLessThanOrEqual(12);
  // Definition GETs (the conf-named cluster network on readiness polls and ADDs): one burst of
  // three tries, then one try each time the gate's pause has passed.
  expect(byKind.gets).toBeLessThanOrEqual(14);
  // The PATCH that meets the outage first makes its tries; every later one makes a single try.
  expect(byKind.patches).toBeLessThanOrEqual(adds + DEFAULT_KUBE_TUNING.statusWriteAttempts - 1);
  // Everything the node did on its own: a 1 Hz poll alone would be 60.
  expect(during.length - byKind.patches).toBeLessThanOrEqual(36);

  // Back: watches resume, readiness returns, and the next ADD writes its status again.
  await f.waitHealth(1, 60_000);
  await f.attach("after", { namespace: "ns1", name: "web", uid: "uid-web" });
  expect(f.standIn.getPod("ns1", "web")!.metadata.annotations).toHaveProperty(NETWORK_STATUS_ANNOTATION);
  await f.detach("after");
});
