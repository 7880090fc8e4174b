#!/usr/bin/env -S node --import tsx
// netattachctl entry point: the only file that touches `process`.
import { runCli } from "./cli.js";
import { ExitCode } from "./command.js";

// A reader that stops early (`| head`) closes the pipe: stop quietly, as CLIs do, instead of
// dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(ExitCode.Ok);
  });
}

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
