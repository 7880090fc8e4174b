// THE policy for talking to netattachd, per CNI command, in one place:
// - ADD waits until the daemon reports ready (GetStatus), up to readinessTimeoutMs, then
//   fails with code 11 naming the socket. A starting daemon delays pods, never drops them.
// - DEL, CHECK, GC never wait: an unreachable daemon is code 11 right away. DEL in
//   particular never claims success it did not get; the runtime retries DEL.
// - STATUS with the daemon down is code 50 (plugin not available), naming the socket.
// Every call has a deadline (callTimeoutMs) so the shim never hangs past the runtime's.
import { ClientError, Status } from "nice-grpc-common";
import type { CniCommand } from "./cni-env.js";
import type { DaemonClient } from "./daemon-client.js";
import { toShimError, transportDetails } from "./error-mapping.js";
import type { Logger } from "./logger.js";
import type { ShimConf } from "./shim-conf.js";
import { CniCode, ShimError } from "./shim-error.js";

export type DaemonCommand = Exclude<CniCommand, "VERSION">;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

interface CommandPolicy {
  readonly waitForReady: boolean;
  readonly unreachableCode: number;
}

export const CALL_POLICY: Readonly<Record<DaemonCommand, CommandPolicy>> = {
  ADD: { waitForReady: true, unreachableCode: CniCode.TryAgainLater },
  DEL: { waitForReady: false, unreachableCode: CniCode.TryAgainLater },
  CHECK: { waitForReady: false, unreachableCode: CniCode.TryAgainLater },
  GC: { waitForReady: false, unreachableCode: CniCode.TryAgainLater },
  STATUS: { waitForReady: false, unreachableCode: CniCode.PluginNotAvailable },
};

const PROBE_TIMEOUT_MS = 1_000;
const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 500;

/** Polls GetStatus until ready=true or the readiness budget is spent. */
async function waitUntilReady(client: DaemonClient, conf: ShimConf, clock: Clock, log: Logger): Promise<void> {
  const deadline = clock.now() + conf.readinessTimeoutMs;
  let backoff = FIRST_BACKOFF_MS;
  let last: string;
  for (let attempt = 1; ; attempt++) {
    const budget = Math.max(1, Math.min(PROBE_TIMEOUT_MS, deadline - clock.now()));
    try {
      const status = await client.getStatus({}, { deadline: new Date(clock.now() + budget) });
      if (status.ready) return;
      last = `not ready: ${status.reasons.join("; ") || "no reason given"}`;
    } catch (err) {
      // Only "cannot reach / did not answer" is worth waiting for; anything else is final.
      if (!(err instanceof ClientError) || (err.code !== Status.UNAVAILABLE && err.code !== Status.DEADLINE_EXCEEDED)) {
        throw toShimError(err, { socketPath: conf.socketPath, unreachableCode: CniCode.TryAgainLater });
      }
      last = `${Status[err.code]}: ${transportDetails(err.details)}`;
    }
    if (clock.now() + backoff >= deadline) {
      throw new ShimError(
        CniCode.TryAgainLater,
        `netattachd at ${conf.socketPath} is not ready after ${conf.readinessTimeoutMs} ms`,
        `${attempt} attempts; last: ${last}`,
      );
    }
    if (attempt === 1) log.info("waiting for netattachd", { socket: conf.socketPath, reason: last });
    await clock.sleep(backoff);
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  }
}

/** Runs one daemon call under the command's policy; every failure becomes a ShimError. */
export async function callDaemon<T>(
  command: DaemonCommand,
  client: DaemonClient,
  conf: ShimConf,
  clock: Clock,
  log: Logger,
  call: (options: { deadline: Date }) => Promise<T>,
): Promise<T> {
  const policy = CALL_POLICY[command];
  if (policy.waitForReady) await waitUntilReady(client, conf, clock, log);
  try {
    return await call({ deadline: new Date(clock.now() + conf.callTimeoutMs) });
  } catch (err) {
    throw toShimError(err, { socketPath: conf.socketPath, unreachableCode: policy.unreachableCode, command });
  }
}
