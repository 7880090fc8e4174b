// Process glue for netattach-cni: the only file that touches `process`. stdout carries
// exactly one thing — the result or the error object — and nothing else.
//
// In the shim's binary, stdin and stdout are Bun's own (Bun.stdin, Bun.write): node:fs is a
// module Bun builds at first use, a few ms of every call (process.stdout costs more still),
// and a runtime execs this binary once per pod operation. node:fs is loaded only to write a
// log line (the default level, warn, writes none on success) and when running under node.
import { createLogSink } from "./log-sink.js";
import { createLogger } from "./logger.js";
import { runShim } from "./shim.js";
import type * as NodeFs from "node:fs";
import type { UnixFetch } from "./transport/http-post.js";

/** The slice of the `Bun` global used here. */
interface BunIo {
  readonly stdin: { stream(): AsyncIterable<Uint8Array> };
  readonly stdout: unknown;
  write(destination: unknown, data: string): Promise<number>;
}

const fs = (): typeof NodeFs => process.getBuiltinModule("node:fs");

/** Writes all of `text` to `fd`, also when the pipe is non-blocking and momentarily full. */
function writeAll(fd: number, text: string): void {
  let buf = new TextEncoder().encode(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs().writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

/** True when `fd` is the file fd 1 is (same device and inode): a log line there would corrupt the result. */
function isStdout(f: typeof NodeFs, fd: number): boolean {
  let out: NodeFs.Stats;
  try {
    out = f.fstatSync(1);
  } catch {
    return false; // no stdout
  }
  const st = f.fstatSync(fd);
  return st.dev === out.dev && st.ino === out.ino;
}

/** All of `chunks` as UTF-8 text, or undefined once they pass `maxBytes` (the rest is never read). */
async function readAtMost(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

function main(): void {
  const bun = (globalThis as { Bun?: BunIo }).Bun;
  void runShim({
    env: process.env,
    // Bun's compiled binary is execPath; the bundle under node is argv[1].
    selfPath: (bun ? process.execPath : process.argv[1]) ?? "netattach-cni",
    readStdin: (maxBytes) => readAtMost(bun ? bun.stdin.stream() : process.stdin, maxBytes),
    // Loaded on demand: VERSION never pays for the client.
    loadClient: async () => {
      const [{ createDaemonClient }, { fetchPost, nodeHttpPost }] = await Promise.all([
        import("./daemon-client.js"),
        import("./transport/http-post.js"),
      ]);
      // Bun's native fetch in the shim's binary; node:http when the bundle runs in node.
      return (socketPath) =>
        createDaemonClient(socketPath, bun ? fetchPost(globalThis.fetch as unknown as UnixFetch) : nodeHttpPost());
    },
    logSink: (logFile) =>
      createLogSink(logFile, {
        appendFile: (path, line) => {
          const f = fs();
          // Non-blocking: opening a FIFO nobody reads would block the shim, and its ADD, forever.
          // No symlink followed (ELOOP): a link planted where the log goes would make this root
          // process append to any file.
          const { O_WRONLY, O_APPEND, O_CREAT, O_NONBLOCK, O_NOFOLLOW } = f.constants;
          const fd = f.openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW, 0o644);
          try {
            if (isStdout(f, fd)) throw new Error(`${path} is the shim's stdout, which carries only the CNI result`);
            f.writeSync(fd, line);
          } finally {
            f.closeSync(fd);
          }
        },
        stderr: (line) => writeAll(2, line),
        now: () => Date.now(),
      }),
    clock: {
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
    },
  })
    .then(async ({ stdout, exitCode }) => {
      // Exit at once after: a kept-alive connection or a timer must not keep the process alive.
      process.exit(await writeResult(bun, stdout, exitCode));
    })
    .catch(() => process.exit(1));
}

/**
 * Prints the result and gives the exit code: 1 when stdout cannot take it (closed, a reader gone),
 * said on stderr. Exit 0 for a result nobody received would tell the runtime the ADD succeeded.
 */
async function writeResult(bun: BunIo | undefined, stdout: string, exitCode: 0 | 1): Promise<0 | 1> {
  try {
    if (!bun) {
      writeAll(1, stdout);
      return exitCode;
    }
    const written = await bun.write(bun.stdout, stdout);
    const size = Buffer.byteLength(stdout);
    if (written < size) throw new Error(`${written} of ${size} bytes written`);
    return exitCode;
  } catch (err) {
    createLogger((line) => writeAll(2, line), "error", Date.now).error("cannot write the result to stdout", {
      error: err instanceof Error ? err.message : String(err),
    });
    return 1;
  }
}

main();
