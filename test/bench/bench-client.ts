// The benchmark's gRPC client: on the daemon's own thread ("same"), or on a worker thread
// ("thread", like the shim in its own process: no client work on the daemon's event loop).
// Each call resolves with the RPC time measured where the client runs.
import { Worker } from "node:worker_threads";
import { createDaemonClient } from "../../tools/src/daemon-client.js";
import type { ClientOp, ClientReply } from "./grpc-client-worker.js";

export function benchClient(socketPath: string, where: "same" | "thread"): BenchClient {
  return where === "thread" ? clientThread(socketPath) : clientHere(socketPath);
}

export interface BenchClient {
  call(op: ClientOp, req?: unknown): Promise<{ ms: number; ready?: boolean }>;
  close(): void;
}

/** The gRPC client on this thread (shares the daemon's event loop). */
function clientHere(socketPath: string): BenchClient {
  const client = createDaemonClient(socketPath);
  type Req<K extends keyof typeof client.api> = Parameters<(typeof client.api)[K]>[0];
  return {
    async call(op, req) {
      const t0 = performance.now();
      if (op === "status") {
        const { ready } = await client.api.getStatus({});
        return { ms: performance.now() - t0, ready };
      }
      if (op === "attach") await client.api.attachNetworks(req as Req<"attachNetworks">);
      else if (op === "detach") await client.api.detachNetworks(req as Req<"detachNetworks">);
      else await client.health.check({ service: "" });
      return { ms: performance.now() - t0 };
    },
    close: () => client.close(),
  };
}

/** The gRPC client on a worker thread: each call resolves with the RPC time it measured there. */
function clientThread(socketPath: string): BenchClient {
  // A worker does not inherit tsx's loader hooks: it registers them before loading the client.
  const api = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./grpc-client-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { socketPath } });
  const pending = new Map<
    number,
    { resolve: (r: { ms: number; ready?: boolean }) => void; reject: (e: Error) => void }
  >();
  let next = 0;
  worker.on("message", (r: ClientReply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if ("error" in r) p?.reject(new Error(r.error));
    else p?.resolve(r);
  });
  // A worker that dies fails every call in flight (the benchmark then cleans up and exits).
  worker.on("error", (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  return {
    call: (op, req) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, op, req });
      }),
    close: () => worker.postMessage("close"),
  };
}
