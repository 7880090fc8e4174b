import { describe, expect, it } from "vitest";
import { preopen, type ByteSocket, type OpenSocket, type SocketHandlers } from "./byte-socket.js";

/** An OpenSocket that records each open and lets the test play the peer. */
function fakeOpener(): OpenSocket & { opened: { path: string; handlers: SocketHandlers; socket: ByteSocket }[] } {
  const opened: { path: string; handlers: SocketHandlers; socket: ByteSocket }[] = [];
  const open: OpenSocket = async (path, handlers) => {
    if (path.endsWith("absent.sock")) throw Object.assign(new Error(`connect ENOENT ${path}`), { code: "ENOENT" });
    const socket = { write: () => undefined, close: () => undefined };
    opened.push({ path, handlers, socket });
    return socket;
  };
  return Object.assign(open, { opened });
}

describe("preopen", () => {
  it("connects at once and hands that socket, with what arrived meanwhile, to the first open", async () => {
    const inner = fakeOpener();
    const open = preopen(inner, "/run/na.sock");
    await Promise.resolve();
    expect(inner.opened.map((o) => o.path)).toEqual(["/run/na.sock"]);
    inner.opened[0]?.handlers.data(Uint8Array.of(1));
    inner.opened[0]?.handlers.data(Uint8Array.of(2));
    const got: number[] = [];
    const socket = await open("/run/na.sock", { data: (c) => got.push(...c), closed: () => got.push(-1) });
    expect(socket).toBe(inner.opened[0]?.socket);
    inner.opened[0]?.handlers.data(Uint8Array.of(3));
    inner.opened[0]?.handlers.closed();
    expect(got).toEqual([1, 2, 3, -1]);
  });

  it("connects anew for every later open (a retry after the daemon came up)", async () => {
    const inner = fakeOpener();
    const open = preopen(inner, "/run/na.sock");
    const handlers = { data: () => undefined, closed: () => undefined };
    await open("/run/na.sock", handlers);
    await open("/run/na.sock", handlers);
    expect(inner.opened).toHaveLength(2);
  });

  it("reports the early connect's failure to the first open, and only there", async () => {
    const inner = fakeOpener();
    const open = preopen(inner, "/run/absent.sock");
    await expect(open("/run/absent.sock", { data: () => undefined, closed: () => undefined })).rejects.toMatchObject({ code: "ENOENT" });
  });
});
