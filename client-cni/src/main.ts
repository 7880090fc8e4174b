// Process glue for netattach-cni: the only file that touches `process`. stdout carries
// exactly one thing — the result or the error object — and nothing else.
//
// fd 0/1/2 are used directly (readFileSync/writeSync), not process.stdin/stdout/stderr:
// building those streams costs a few ms of the shim's start, and a runtime execs this
// binary once per pod operation.
import { appendFileSync, readFileSync, writeSync } from "node:fs";
import { runShim } from "./shim.js";
import type { UnixFetch } from "./transport/http-post.js";

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
    // Loaded on demand: VERSION and early errors never pay for the client.
    client: async (socketPath) => {
      const [{ createDaemonClient }, { fetchPost, nodeHttpPost }] = await Promise.all([import("./daemon-client.js"), import("./transport/http-post.js")]);
      // Bun's native fetch in the shim's binary; node:http when the bundle runs in node.
      const post = "Bun" in globalThis ? fetchPost(globalThis.fetch as unknown as UnixFetch) : nodeHttpPost();
      return createDaemonClient(socketPath, post);
    },
    logSink: (logFile) => (logFile ? (line) => appendFileSync(logFile, line) : (line) => writeAll(2, line)),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
  }).then(({ stdout, exitCode }) => {
    try {
      writeAll(1, stdout);
    } finally {
      // Exit at once: a kept-alive connection or a timer must not keep the process alive.
      process.exit(exitCode);
    }
  });
}

main();
