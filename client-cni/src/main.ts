// Process glue for netattach-cni: the only file that touches `process`. stdout carries
// exactly one thing — the result or the error object — and nothing else.
//
// fd 0/1/2 are used directly (readFileSync/writeSync), not process.stdin/stdout/stderr:
// building those streams costs a few ms of the shim's start, and a runtime execs this
// binary once per pod operation.
import { appendFileSync, readFileSync, writeSync } from "node:fs";
import { openNodeSocket, preopen, type OpenSocket } from "./transport/byte-socket.js";
import { bunSocketOpener, type BunRuntime } from "./transport/bun-socket.js";
import { runShim } from "./shim.js";

/** Bun's native sockets in the shim's binary; node:net when the bundle runs in node. */
function socketOpener(): OpenSocket {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  return bun === undefined ? openNodeSocket : bunSocketOpener(bun);
}

/** Writes all of `text` to `fd`, also when the pipe is non-blocking and momentarily full. */
function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text, "utf8");
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

function main(): void {
  void runShim({
    env: process.env,
    readStdin: async () => readFileSync(0, "utf8"),
    // The client is loaded on demand (VERSION and early errors never pay for it), while
    // the socket is already connecting.
    connect: async (socketPath) => {
      const openSocket = preopen(socketOpener(), socketPath);
      return (await import("./daemon-client.js")).createDaemonConnection(socketPath, openSocket);
    },
    logSink: (logFile) => (logFile ? (line) => appendFileSync(logFile, line) : (line) => writeAll(2, line)),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
  }).then(({ stdout, exitCode }) => {
    try {
      writeAll(1, stdout);
    } finally {
      // Exit at once: an HTTP/2 session or a timer must not keep the process alive.
      process.exit(exitCode);
    }
  });
}

main();
