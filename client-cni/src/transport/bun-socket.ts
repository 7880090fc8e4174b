// OpenSocket over Bun's native sockets (Bun.connect): no node:net to load, which is a
// few ms of every shim call. Bun's write may take only part of the data; the rest is
// queued and written on drain.
import type { OpenSocket } from "./byte-socket.js";

interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
}

interface BunSocketHandlers {
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, err?: Error): void;
  error(socket: BunSocket, err: Error): void;
}

/** The slice of the `Bun` global used here. */
export interface BunRuntime {
  connect(options: { unix: string; socket: BunSocketHandlers }): Promise<BunSocket>;
}

/** Bun says "Failed to connect"; say it as node does, so messages stay as they were. */
function connectError(path: string, err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return err instanceof Error ? err : new Error(String(err));
  return Object.assign(new Error(`connect ${code} ${path}`), { code, syscall: "connect", address: path, cause: err });
}

export function bunSocketOpener(bun: BunRuntime): OpenSocket {
  return async (path, handlers) => {
    let open = true;
    let queued: Uint8Array[] = [];
    const closed = (err?: Error): void => {
      if (open) handlers.closed(err);
      open = false;
    };
    const flush = (socket: BunSocket): void => {
      while (queued.length > 0) {
        const next = queued[0] as Uint8Array;
        const n = socket.write(next);
        if (n < next.length) {
          queued[0] = next.subarray(Math.max(0, n));
          return;
        }
        queued.shift();
      }
    };
    const socket = await bun
      .connect({
        unix: path,
        socket: {
          data: (_s, chunk) => open && handlers.data(chunk),
          drain: (s) => flush(s),
          end: () => closed(),
          close: (_s, err) => closed(err),
          error: (_s, err) => closed(err),
        },
      })
      .catch((err: unknown) => {
        throw connectError(path, err);
      });
    return {
      write: (data) => {
        queued.push(data);
        if (queued.length === 1) flush(socket);
      },
      close: () => {
        open = false;
        queued = [];
        socket.end();
      },
    };
  };
}
