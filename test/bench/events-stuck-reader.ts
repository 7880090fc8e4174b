// Benchmark (not a test): does a WatchEvents reader that never reads slow ADD? One daemon
// composed like main.ts (noop plugins, so the event path is a large share of an ADD), a real
// gRPC client; ADD+DEL iterations in alternating blocks — no reader, then one stuck reader (a
// stream opened with replay_recent and paused, so HTTP/2 flow control stalls it and the bus
// drops its oldest events) — side by side in one run. Before each stuck block, refused ADDs (a
// bad container id: an event each, no plugin run) fill the transport and the reader's buffer, so
// every measured ADD takes the drop path. At the end of the block the reader resumes and must
// first be told how many events it lost.
//
//   npx tsx test/bench/events-stuck-reader.ts [--iterations 300] [--block 50]
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { WatchEventsRequest, WatchEventsResponse } from "../../proto/gen/netattach/v1/event_service.js";
import { createEventBus } from "../../server/src/events/event-bus.js";
import { startComposedDaemon, tempDir } from "../helpers/daemon.js";
import { createScratchNetns } from "../helpers/scratch-netns.js";
import { stats } from "./bench-stats.js";

const { values } = parseArgs({
  options: { iterations: { type: "string", default: "300" }, block: { type: "string", default: "50" } },
});
const iterations = Number(values.iterations);
const block = Number(values.block);
const BUFFER = 256;
const FILL = 8_000;

const dir = await tempDir("na-bench-events-");
const netns = await createScratchNetns();
await mkdir(join(dir, "bin"));
await mkdir(join(dir, "net.d"));
await symlink(fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url)), join(dir, "bin", "noop"));
await writeFile(
  join(dir, "net.d", "10-cluster.conflist"),
  JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "noop" }] }),
);
const d = await startComposedDaemon(
  {
    clusterNetwork: "cluster",
    cniBinDirs: [join(dir, "bin")],
    cniConfDir: join(dir, "net.d"),
    logLevel: "warn",
    events: { historySize: 256, bufferSize: BUFFER, maxWatchers: 4 },
  },
  { dir },
);

/** A raw grpc-js stream, paused before its first message: a reader that never reads. */
function stuckReader(): { call: grpc.ClientReadableStream<WatchEventsResponse>; close(): void } {
  const Ctor = grpc.makeGenericClientConstructor(
    {
      watchEvents: {
        path: "/netattach.v1.EventService/WatchEvents",
        requestStream: false,
        responseStream: true,
        requestSerialize: (r: WatchEventsRequest) => Buffer.from(WatchEventsRequest.encode(r).finish()),
        requestDeserialize: (b: Buffer) => WatchEventsRequest.decode(b),
        responseSerialize: (r: WatchEventsResponse) => Buffer.from(WatchEventsResponse.encode(r).finish()),
        responseDeserialize: (b: Buffer) => WatchEventsResponse.decode(b),
      },
    },
    "EventService",
  );
  const client = new Ctor(`unix://${d.socketPath}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    watchEvents(r: WatchEventsRequest): grpc.ClientReadableStream<WatchEventsResponse>;
  };
  const call = client.watchEvents(WatchEventsRequest.fromPartial({ replayRecent: true }));
  call.pause();
  call.on("error", () => undefined);
  return { call, close: () => (call.cancel(), client.close()) };
}

/** Resumes the reader and reads what it holds (the transport's buffered events first) until the bus's lost-count notice. */
function lostNotice(call: grpc.ClientReadableStream<WatchEventsResponse>): Promise<number> {
  return new Promise((resolve) => {
    const idle = (): NodeJS.Timeout => setTimeout(() => resolve(0), 2_000);
    let timer = idle();
    call.on("data", (item: WatchEventsResponse) => {
      clearTimeout(timer);
      if (item.lost) resolve(item.lost.count);
      else timer = idle();
    });
    call.resume();
  });
}

let n = 0;
async function addDel(): Promise<number> {
  const containerId = `bench-${n++}`;
  const started = performance.now();
  await d.client.api.attachNetworks({
    containerId,
    netnsPath: netns.path,
    pod: { namespace: "default", name: containerId, uid: containerId },
    annotations: { values: {} },
    selections: [],
    primaryInterface: "eth0",
    cniArgs: [],
    cniVersion: "",
  });
  const ms = performance.now() - started;
  await d.client.api.detachNetworks({ containerId });
  return ms;
}

/** Refused ADDs, each one event: enough to stall the transport (HTTP/2 window, socket buffers) and fill the bus buffer. */
async function fill(): Promise<void> {
  for (let i = 0; i < FILL; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, () =>
        d.client.api
          .attachNetworks({
            containerId: `fill-${n++}`,
            netnsPath: netns.path,
            pod: { namespace: "default", name: "fill", uid: "f" },
            annotations: { values: { "k8s.v1.cni.cncf.io/networks": "missing" } },
            selections: [],
            primaryInterface: "eth0",
            cniArgs: [],
            cniVersion: "",
          })
          .catch(() => undefined),
      ),
    );
  }
}

for (let i = 0; i < 20; i++) await addDel(); // warm-up
const free: number[] = [];
const stuck: number[] = [];
const lostCounts: number[] = [];
for (let done = 0; done < iterations; done += block) {
  for (let i = 0; i < block; i++) free.push(await addDel());
  const reader = stuckReader();
  await fill();
  for (let i = 0; i < block; i++) stuck.push(await addDel());
  lostCounts.push(await lostNotice(reader.call));
  reader.close();
}
await d.stop();
await netns.close();
await rm(dir, { recursive: true, force: true });

const a = stats(free);
const b = stats(stuck);
const fmt = (x: number): string => x.toFixed(2).padStart(7);
console.log(
  `ADD latency through gRPC, noop plugins; ${iterations} per mode in blocks of ${block}; events.bufferSize ${BUFFER}; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`,
);
console.log("                       median      p90      min   (ms)");
console.log(`0 readers            ${fmt(a.median)}  ${fmt(a.p90)}  ${fmt(a.min)}`);
console.log(`1 stuck reader       ${fmt(b.median)}  ${fmt(b.p90)}  ${fmt(b.min)}`);
console.log(`difference           ${fmt(b.median - a.median)}  ${fmt(b.p90 - a.p90)}`);
console.log(`the stuck reader, resumed after each block, was told it lost: ${lostCounts.join(", ")} events`);

// The part of an ADD the event stream owns, alone: one emit, in-process, with 0 and 1 stuck readers.
const EMITS = 200_000;
function emitCost(readers: number): number {
  const bus = createEventBus({ historySize: 256, bufferSize: BUFFER, maxWatchers: 4 });
  for (let i = 0; i < readers; i++) bus.subscribe({});
  const event = {
    kind: "attach" as const,
    outcome: "ok" as const,
    time: new Date(),
    containerId: "c",
    pod: { namespace: "ns", name: "p", uid: "u" },
    interfaces: [{ network: "ns/blue", ifName: "net1", ips: ["10.0.0.2/24"] }],
  };
  const started = performance.now();
  for (let i = 0; i < EMITS; i++) bus.emit(event);
  return ((performance.now() - started) / EMITS) * 1000;
}
emitCost(1); // warm-up
const [e0, e1] = [emitCost(0), emitCost(1)];
console.log(`one emit, in-process (${EMITS} each): 0 readers ${e0.toFixed(3)} µs, 1 stuck reader ${e1.toFixed(3)} µs`);
