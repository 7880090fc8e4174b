// A gRPC client on its own thread (like the shim in its own process): the benchmark's RPC
// times then hold no client work done on the daemon's event loop. Messages in: {id, op, req};
// out: {id, ms} or {id, error}.
import { parentPort, workerData } from "node:worker_threads";
import { createDaemonClient } from "../../tools/src/daemon-client.js";

export type ClientOp = "attach" | "detach" | "health" | "status";
export interface ClientCall {
  readonly id: number;
  readonly op: ClientOp;
  readonly req?: unknown;
}
export type ClientReply =
  | { readonly id: number; readonly ms: number; readonly ready?: boolean }
  | { readonly id: number; readonly error: string };

const port = parentPort;
if (port !== null) {
  const client = createDaemonClient((workerData as { socketPath: string }).socketPath);
  type Req<K extends keyof typeof client.api> = Parameters<(typeof client.api)[K]>[0];
  port.on("message", (m: ClientCall | "close") => {
    if (m === "close") {
      client.close();
      port.close();
      return;
    }
    const t0 = performance.now();
    const call = (): Promise<unknown> => {
      switch (m.op) {
        case "attach":
          return client.api.attachNetworks(m.req as Req<"attachNetworks">);
        case "detach":
          return client.api.detachNetworks(m.req as Req<"detachNetworks">);
        case "health":
          return client.health.check({ service: "" });
        case "status":
          return client.api.getStatus({});
      }
    };
    call().then(
      (res) =>
        port.postMessage({
          id: m.id,
          ms: performance.now() - t0,
          ...(m.op === "status" ? { ready: (res as { ready: boolean }).ready } : {}),
        } satisfies ClientReply),
      (err: unknown) =>
        port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies ClientReply),
    );
  });
}
