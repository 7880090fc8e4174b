// Process glue for netattach-cni: the only file that touches `process`. stdout carries
// exactly one thing — the result or the error object — and nothing else.
import { appendFileSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createDaemonConnection } from "./daemon-client.js";
import { runShim } from "./shim.js";

function main(): void {
  void runShim({
    env: process.env,
    readStdin: async () => readFileSync(0, "utf8"),
    connect: createDaemonConnection,
    logSink: (logFile) => (logFile ? (line) => appendFileSync(logFile, line) : (line) => void process.stderr.write(line)),
    clock: { now: () => Date.now(), sleep: (ms) => sleep(ms) },
  }).then(({ stdout, exitCode }) => {
    // Exit as soon as stdout is flushed: gRPC keeps timers and sockets alive otherwise.
    process.stdout.write(stdout, () => process.exit(exitCode));
  });
}

main();
