#!/usr/bin/env -S node --import tsx
// netattachd entry point: the only daemon file that touches `process` (argv, env, exit, signals).
import { composeDaemon } from "./compose-daemon.js";
import { ConfigError, flagsHelp, loadConfig } from "./config/index.js";
import { isDaemonError } from "./errors/daemon-error.js";
import { StartupError } from "./errors/startup-error.js";
import { loadDescriptorSet } from "./grpc/descriptor-set.js";
import { createLogger } from "./log/create-logger.js";

async function main(): Promise<number> {
  let loaded;
  try {
    loaded = await loadConfig({
      argv: process.argv.slice(2),
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`netattachd: ${err.message}\n`);
      for (const w of err.warnings) process.stderr.write(`netattachd: warning: ${w.message}\n`);
      return 2;
    }
    throw err;
  }
  if ("help" in loaded) {
    process.stdout.write(`${flagsHelp()}\n`);
    return 0;
  }
  const { config } = loaded;
  const log = createLogger({ level: config.logLevel, destination: process.stdout });
  log.info({ config, configPath: loaded.configPath }, "configuration loaded");
  for (const w of loaded.warnings) log.warn({ configKey: w.key, configPath: loaded.configPath }, w.message);

  let daemon;
  try {
    daemon = await composeDaemon({
      config,
      configWarnings: loaded.warnings.map((w) => w.message),
      log,
      descriptorSet: await loadDescriptorSet(),
      ...(process.env.PATH ? { pluginPath: process.env.PATH } : {}),
    });
  } catch (err) {
    // A setting that cannot be used (a kubeconfig that does not load) is the operator's to fix:
    // its message, not a stack trace. INTERNAL is a bug of ours: its stack.
    if (!(err instanceof StartupError) && !(isDaemonError(err) && err.code !== "INTERNAL")) throw err;
    log.fatal({ code: err.code }, err.message);
    return 1;
  }
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal is the operator's way out of the bounded wait: said, then exit as the signal would.
        log.warn(
          { signal },
          "second signal while stopping: exiting without waiting for the calls still rolling back; the next start rolls back the ADDs and hot-plugs left",
        );
        process.exit(128 + (signal === "SIGINT" ? 2 : 15));
      }
      stopping = true;
      log.info({ signal }, "shutting down");
      // Work left for the next start (a rollback given up at shutdownRollbackMs) is a failed stop.
      daemon.stop().then(
        ({ abandoned }) => resolve(abandoned > 0 ? 1 : 0),
        (err: unknown) => {
          log.error({ err }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  // Node's default for SIGHUP is to die without a word and leave the socket behind. Daemons take
  // it as "reload", which this one cannot do yet: it says so and keeps serving.
  process.on("SIGHUP", () =>
    log.warn({ signal: "SIGHUP" }, "SIGHUP ignored: netattachd has no config reload; restart it to apply changes"),
  );
  try {
    await daemon.start();
  } catch (err) {
    // A StartupError is the operator's to fix: its message, not a stack trace.
    if (err instanceof StartupError) log.fatal({ code: err.code }, err.message);
    else log.fatal({ err }, "netattachd failed to start");
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  return stopped;
}

process.exit(await main());
