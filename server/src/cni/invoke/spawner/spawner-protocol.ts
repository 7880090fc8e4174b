// The frames between the daemon and netattach-spawner; the layout is documented once, at the
// top of netattach-spawner.c. Integers are in the host's byte order (the spawner is built for
// the host and reads them with memcpy).
import { endianness } from "node:os";
import type { ExecRequest } from "../types.js";
import type { LaunchLimits } from "../launch.js";

const OP_SPAWN = 1;
const OP_KILL = 2;
const OP_LINKS = 3;
const LE = endianness() === "LE";

/** How a run ended, as the spawner reports it. */
export enum ReplyKind {
  Exited = 0,
  Signaled = 1,
  SpawnFailed = 2,
  Overflow = 3,
  NetnsFailed = 4,
}

export interface SpawnerReply {
  readonly id: number;
  readonly kind: ReplyKind;
  /** Exit code, signal number or errno, by kind. */
  readonly value: number;
  readonly stdout: Buffer;
  readonly stderrTail: Buffer;
  readonly stderrDropped: number;
}

class FrameWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;
  u8(v: number): this {
    return this.push(Buffer.of(v));
  }
  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    if (LE) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return this.push(b);
  }
  bytes(b: Buffer): this {
    return this.u32(b.length).push(b);
  }
  /** A string for execve: it cannot hold a NUL (node:child_process refuses those the same way). */
  str(s: string, what: string): this {
    if (s.includes("\0")) {
      throw Object.assign(new TypeError(`${what} must not contain null bytes`), { code: "ERR_INVALID_ARG_VALUE" });
    }
    return this.bytes(Buffer.from(s, "utf8"));
  }
  frame(): Buffer {
    const len = Buffer.allocUnsafe(4);
    if (LE) len.writeUInt32LE(this.size);
    else len.writeUInt32BE(this.size);
    return Buffer.concat([len, ...this.parts], this.size + 4);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
}

export function encodeSpawn(id: number, req: ExecRequest, limits: LaunchLimits): Buffer {
  const env = Object.entries(req.env);
  const w = new FrameWriter().u8(OP_SPAWN).u32(id).u32(limits.maxStdout).u32(limits.maxStderr);
  w.str(req.netns ?? "", "the network namespace path");
  const args = req.args ?? [];
  w.u32(1 + args.length).str(req.path, "the plugin path");
  for (const a of args) w.str(a, "an argument");
  w.u32(env.length);
  for (const [k, v] of env) w.str(`${k}=${v}`, `environment variable ${k}`);
  return w.bytes(req.stdin).frame();
}

/** List the links of the netns at `netns`: the reply is a run's, its stdout JSON. */
export function encodeLinks(id: number, netns: string, maxStdout: number): Buffer {
  return new FrameWriter().u8(OP_LINKS).u32(id).u32(maxStdout).str(netns, "the network namespace path").frame();
}

export function encodeKill(id: number): Buffer {
  return new FrameWriter().u8(OP_KILL).u32(id).frame();
}

/** Feeds stdout chunks in, calls `onReply` per complete reply. */
export function createReplyReader(onReply: (reply: SpawnerReply) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  const u32 = (b: Buffer, at: number): number => (LE ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const i32 = (b: Buffer, at: number): number => (LE ? b.readInt32LE(at) : b.readInt32BE(at));
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let off = 0;
    while (pending.length - off >= 4) {
      const len = u32(pending, off);
      if (pending.length - off - 4 < len) break;
      const f = pending.subarray(off + 4, off + 4 + len);
      const outLen = u32(f, 9);
      const errAt = 13 + outLen;
      const errLen = u32(f, errAt);
      onReply({
        id: u32(f, 0),
        kind: f[4] as ReplyKind,
        value: i32(f, 5),
        // Copies, so a result does not keep the whole chunk it arrived in alive.
        stdout: Buffer.from(f.subarray(13, errAt)),
        stderrTail: Buffer.from(f.subarray(errAt + 4, errAt + 4 + errLen)),
        stderrDropped: u32(f, errAt + 4 + errLen),
      });
      off += 4 + len;
    }
    pending = off === pending.length ? Buffer.alloc(0) : pending.subarray(off);
  };
}
