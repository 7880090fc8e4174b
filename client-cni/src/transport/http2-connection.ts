// A client HTTP/2 connection (RFC 9113, prior knowledge, no TLS) over a ByteSocket: just
// what unary gRPC calls from a short-lived process need. Requests carry a header block
// and a body; responses are collected whole (headers, body, trailers). Flow control: the
// peer's windows are honoured when sending; our own windows are opened to the maximum up
// front, so a response never waits for a WINDOW_UPDATE. No push, no priorities.
import { openNodeSocket, type ByteSocket, type OpenSocket } from "./byte-socket.js";
import { createHpackDecoder, encodeHeaders, type HeaderList } from "./hpack.js";

export interface Http2Response {
  /** The first header block; with `trailers` undefined and no body, a trailers-only response. */
  readonly headers: HeaderList | undefined;
  readonly trailers: HeaderList | undefined;
  readonly body: Buffer;
  /** The error code when the server reset the stream (or refused it with GOAWAY: REFUSED_STREAM). */
  readonly rstCode: number | undefined;
}

export interface Http2Connection {
  /** False once the connection failed, was closed or the server sent GOAWAY. */
  readonly usable: boolean;
  /** Sends HEADERS + DATA (END_STREAM); the promise rejects only when the connection fails. */
  request(headers: HeaderList, body: Uint8Array): { response: Promise<Http2Response>; cancel(): void };
  close(): void;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const REFUSED_STREAM = 0x7;
const CANCEL = 0x8;
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
const OUR_MAX_FRAME = 16_384; // SETTINGS_MAX_FRAME_SIZE default; we never raise it

interface Stream {
  readonly id: number;
  headers?: HeaderList;
  trailers?: HeaderList;
  readonly body: Buffer[];
  unsent: Uint8Array;
  window: number;
  rstCode?: number;
  resolve(r: Http2Response): void;
  reject(err: Error): void;
}

function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array()): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** A SETTINGS payload: 16-bit identifier, 32-bit value per entry. */
function settings(entries: [id: number, value: number][]): Buffer {
  const b = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, value], i) => (b.writeUInt16BE(id, 6 * i), b.writeUInt32BE(value, 6 * i + 2)));
  return b;
}

export async function openHttp2Connection(path: string, openSocket: OpenSocket = openNodeSocket): Promise<Http2Connection> {
  const streams = new Map<number, Stream>();
  const hpack = createHpackDecoder();
  let connected = false; // Bytes that arrive before openSocket returns wait in the inbox.
  let inbox: Buffer = Buffer.alloc(0);
  let block: { streamId: number; endStream: boolean; parts: Buffer[] } | undefined;
  let failed: Error | undefined;
  let goaway = false;
  let nextId = 1;
  let peerMaxFrame = 16_384;
  let peerInitialWindow = DEFAULT_WINDOW;
  let connWindow = DEFAULT_WINDOW;

  const finish = (s: Stream): void => {
    streams.delete(s.id);
    s.resolve({ headers: s.headers, trailers: s.trailers, body: Buffer.concat(s.body), rstCode: s.rstCode });
  };
  const fail = (err: Error): void => {
    failed ??= err;
    for (const s of streams.values()) s.reject(err);
    streams.clear();
    if (connected) socket.close();
  };
  // Frames written in one turn of the event loop go out in one write (one syscall, one
  // wake-up of the server): preface, SETTINGS, HEADERS and DATA of the first call together.
  let outbox: Uint8Array[] = [];
  const send = (data: Uint8Array): void => {
    if (outbox.push(data) > 1) return;
    queueMicrotask(() => {
      const data = outbox.length === 1 ? (outbox[0] as Uint8Array) : Buffer.concat(outbox);
      outbox = [];
      if (connected) socket.write(data);
    });
  };

  /** Sends as much of each stream's body as the peer's windows allow. */
  const pump = (): void => {
    for (const s of streams.values()) {
      while (s.unsent.length > 0 && Math.min(connWindow, s.window) > 0) {
        const n = Math.min(s.unsent.length, connWindow, s.window, peerMaxFrame);
        const last = n === s.unsent.length;
        send(frame(T.DATA, last ? END_STREAM : 0, s.id, s.unsent.subarray(0, n)));
        s.unsent = s.unsent.subarray(n);
        connWindow -= n;
        s.window -= n;
      }
    }
  };

  const onHeaderBlock = (streamId: number, endStream: boolean, fragment: Buffer): void => {
    const headers = hpack.decode(fragment); // Always decoded: the dynamic table must stay in step.
    const s = streams.get(streamId);
    if (s === undefined) return;
    if (s.headers === undefined) s.headers = headers;
    else s.trailers = headers;
    if (endStream) finish(s);
  };

  const onFrame = (type: number, flags: number, id: number, payload: Buffer): void => {
    if (block !== undefined && (type !== T.CONTINUATION || id !== block.streamId)) throw new Error("HTTP/2: header block interrupted");
    const s = streams.get(id);
    const unpadded = (p: Buffer): Buffer => (flags & PADDED ? p.subarray(1, p.length - (p[0] ?? 0)) : p);
    switch (type) {
      case T.DATA:
        if (s !== undefined) s.body.push(unpadded(payload));
        if (s !== undefined && flags & END_STREAM) finish(s);
        return;
      case T.HEADERS: {
        const fragment = unpadded(payload).subarray(flags & PRIORITY ? 5 : 0);
        if (flags & END_HEADERS) return onHeaderBlock(id, (flags & END_STREAM) !== 0, fragment);
        block = { streamId: id, endStream: (flags & END_STREAM) !== 0, parts: [fragment] };
        return;
      }
      case T.CONTINUATION:
        if (block === undefined) throw new Error("HTTP/2: CONTINUATION without HEADERS");
        block.parts.push(payload);
        if (flags & END_HEADERS) {
          const { streamId, endStream, parts } = block;
          block = undefined;
          onHeaderBlock(streamId, endStream, Buffer.concat(parts));
        }
        return;
      case T.RST_STREAM:
        if (s !== undefined) finish(Object.assign(s, { rstCode: payload.readUInt32BE(0) }));
        return;
      case T.SETTINGS:
        if (flags & ACK) return;
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          const [key, value] = [payload.readUInt16BE(i), payload.readUInt32BE(i + 2)];
          if (key === 0x4) {
            for (const open of streams.values()) open.window += value - peerInitialWindow;
            peerInitialWindow = value;
          } else if (key === 0x5) {
            peerMaxFrame = value;
          }
        }
        send(frame(T.SETTINGS, ACK, 0));
        return pump();
      case T.PING:
        if (!(flags & ACK)) send(frame(T.PING, ACK, 0, payload));
        return;
      case T.GOAWAY: {
        // Streams above the last one the server took were not processed: refused.
        goaway = true;
        const lastId = payload.readUInt32BE(0) & 0x7fffffff;
        for (const open of [...streams.values()]) if (open.id > lastId) finish(Object.assign(open, { rstCode: REFUSED_STREAM }));
        return;
      }
      case T.WINDOW_UPDATE: {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) connWindow += increment;
        else if (s !== undefined) s.window += increment;
        return pump();
      }
      case T.PUSH_PROMISE:
        throw new Error("HTTP/2: PUSH_PROMISE although push is disabled");
    }
  };

  const onData = (chunk: Uint8Array): void => {
    inbox = inbox.length === 0 ? Buffer.from(chunk) : Buffer.concat([inbox, chunk]);
    if (!connected || failed !== undefined) return;
    try {
      while (inbox.length >= 9) {
        const length = inbox.readUIntBE(0, 3);
        if (length > OUR_MAX_FRAME) throw new Error(`HTTP/2: frame of ${length} bytes exceeds the maximum`);
        if (inbox.length < 9 + length) return;
        const [type, flags, id] = [inbox[3] ?? 0, inbox[4] ?? 0, inbox.readUInt32BE(5) & 0x7fffffff];
        const payload = inbox.subarray(9, 9 + length);
        inbox = inbox.subarray(9 + length);
        onFrame(type, flags, id, payload);
      }
    } catch (err) {
      fail(err as Error);
    }
  };

  const socket: ByteSocket = await openSocket(path, { data: onData, closed: (err) => fail(err ?? new Error("the server closed the connection")) });
  connected = true;
  // Preface; SETTINGS_ENABLE_PUSH 0; our stream (SETTINGS_INITIAL_WINDOW_SIZE) and connection windows at the maximum.
  send(Buffer.concat([PREFACE, frame(T.SETTINGS, 0, 0, settings([[0x2, 0], [0x4, MAX_WINDOW]])), frame(T.WINDOW_UPDATE, 0, 0, u32(MAX_WINDOW - DEFAULT_WINDOW))]));
  onData(new Uint8Array()); // Whatever arrived while connecting.

  function request(headers: HeaderList, body: Uint8Array): { response: Promise<Http2Response>; cancel(): void } {
    const id = nextId;
    nextId += 2;
    const response = new Promise<Http2Response>((resolve, reject) => {
      if (failed !== undefined || goaway) return reject(failed ?? new Error("the server sent GOAWAY"));
      streams.set(id, { id, body: [], unsent: body, window: peerInitialWindow, resolve, reject });
      const fragment = encodeHeaders(headers);
      for (let off = 0; off === 0 || off < fragment.length; off += peerMaxFrame) {
        const last = off + peerMaxFrame >= fragment.length;
        send(frame(off === 0 ? T.HEADERS : T.CONTINUATION, last ? END_HEADERS : 0, id, fragment.subarray(off, off + peerMaxFrame)));
      }
      if (body.length === 0) send(frame(T.DATA, END_STREAM, id));
      pump();
    });
    const cancel = (): void => {
      if (streams.delete(id) && failed === undefined) send(frame(T.RST_STREAM, 0, id, u32(CANCEL)));
    };
    return { response, cancel };
  }

  return {
    get usable() {
      return failed === undefined && !goaway;
    },
    request,
    close: () => {
      failed ??= new Error("connection closed");
      socket.close();
    },
  };
}
