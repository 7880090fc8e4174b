#!/usr/bin/env -S node --import tsx
// netattachctl entry point: the only file that touches `process`.
import { runCli } from "./cli.js";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
}

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  ...(process.getuid ? { uid: process.getuid() } : {}),
  signal: controller.signal,
});
