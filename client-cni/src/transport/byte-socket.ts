// The byte stream an HTTP/2 connection runs on: a unix socket, opened through node:net
// (anywhere) or Bun's native sockets (bun-socket.ts; in the shim's binary, where loading
// node:net is a noticeable part of a call). main.ts picks one.

export interface ByteSocket {
  write(data: Uint8Array): void;
  /** Ends the connection after what was written; no handler is called afterwards. */
  close(): void;
}

export interface SocketHandlers {
  data(chunk: Uint8Array): void;
  /** The peer closed or the connection failed (`err`). */
  closed(err?: Error): void;
}

/** Opens a unix socket; rejects, when nobody can be reached there, as node does: `connect ENOENT /path` with `code`. */
export type OpenSocket = (path: string, handlers: SocketHandlers) => Promise<ByteSocket>;

export const openNodeSocket: OpenSocket = async (path, handlers) => {
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    sock.once("error", reject);
    sock.once("connect", () => {
      let open = true;
      const closed = (err?: Error): void => {
        if (open) handlers.closed(err);
        open = false;
      };
      sock.off("error", reject);
      sock.on("error", closed);
      sock.on("close", () => closed());
      sock.on("data", (chunk: Buffer) => open && handlers.data(chunk));
      resolve({ write: (data) => void sock.write(data), close: () => ((open = false), sock.end()) });
    });
  });
};

/**
 * Starts opening `path` now and hands that socket to the first open of `path` later;
 * events in between are kept and replayed. Lets the shim connect (and the daemon accept)
 * while the client code is still loading. Later opens connect anew.
 */
export function preopen(open: OpenSocket, path: string): OpenSocket {
  let events: ((h: SocketHandlers) => void)[] | undefined = [];
  let handlers: SocketHandlers | undefined;
  const early = open(path, {
    data: (chunk) => (handlers ? handlers.data(chunk) : events?.push((h) => h.data(chunk))),
    closed: (err) => (handlers ? handlers.closed(err) : events?.push((h) => h.closed(err))),
  });
  early.catch(() => undefined); // Reported by the open that takes it.
  let taken = false;
  return async (p, h) => {
    if (taken || p !== path) return open(p, h);
    taken = true;
    const socket = await early;
    handlers = h;
    for (const replay of events ?? []) replay(h);
    events = undefined;
    return socket;
  };
}
