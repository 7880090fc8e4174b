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
