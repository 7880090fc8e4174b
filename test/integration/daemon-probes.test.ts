// /readyz follows the daemon's readiness (the verdict grpc.health reports) as it comes and goes,
// and turns 503 from the start of a shutdown; /healthz answers throughout. A real daemon over a
// scripted service whose status the test flips.
import { request } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createFakeService, startDaemonWith, type FakeService, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
let fake: FakeService;

beforeAll(async () => {
  fake = createFakeService({ status: { ready: false, reasons: ["informer pods on node-a: starting"] } });
  d = await startDaemonWith(fake, {
    readinessIntervalMs: { notReady: 20, ready: 20 },
    http: {
      address: "127.0.0.1:0",
      scrape: async () => ({ contentType: "text/plain; version=0.0.4", body: "up 1\n" }),
    },
  });
});
afterAll(async () => {
  await d?.stop();
});

async function probe(path: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${d.httpPort}${path}`)).status;
}

/** Polls until `path` answers `status` (the readiness poll runs every 20 ms here). */
async function until(path: string, status: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await probe(path)) === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await probe(path)).toBe(status);
}

it("/readyz: 503 while not ready, 200 once ready, 503 again when readiness is lost; /healthz 200 all along", async () => {
  expect(await probe("/readyz")).toBe(503);
  expect(await probe("/healthz")).toBe(200);
  expect((await d.client.health.check({ service: "" })).status).toBe(2); // NOT_SERVING: the same verdict

  fake.answers.status = { ready: true, reasons: [] };
  await until("/readyz", 200);
  expect((await d.client.health.check({ service: "" })).status).toBe(1);
  expect(await (await fetch(`http://127.0.0.1:${d.httpPort}/metrics`)).text()).toBe("up 1\n");

  fake.answers.status = { ready: false, reasons: ["informer pods on node-a: HTTP 503"] };
  await until("/readyz", 503);
  expect(await probe("/healthz")).toBe(200);

  fake.answers.status = { ready: true, reasons: [] };
  await until("/readyz", 200);
});

it("answers odd request targets (//, //metrics) with 404, ignores a query, and logs nothing", async () => {
  const raw = (target: string) =>
    new Promise<number>((resolve, reject) =>
      request({ host: "127.0.0.1", port: d.httpPort, path: target }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end(),
    );
  const logged = d.logs.length;
  expect([await raw("//"), await raw("//metrics"), await raw("/x?y"), await raw("/healthz?x=1")]).toEqual([
    404, 404, 404, 200,
  ]);
  expect(d.logs.slice(logged).filter((l) => l.level >= 40)).toEqual([]);
});

it("from the start of a shutdown /readyz says 503 (while calls drain), and the listener goes last", async () => {
  let release!: () => void;
  fake.gates.check = new Promise<void>((r) => (release = r));
  const parked = d.client.api.checkNetworks({ containerId: "c1" }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  const stopping = d.daemon.stop();
  await until("/readyz", 503);
  expect(await probe("/healthz")).toBe(200);
  release();
  await parked;
  await stopping;
  await expect(fetch(`http://127.0.0.1:${d.httpPort}/healthz`)).rejects.toThrow();
});
