// THE policy for talking to netattachd, per CNI command, in one place:
// - ADD calls AttachNetworks at once. While the daemon cannot take it — its socket is
//   missing or refuses connections (the request never left), or it answers UNAVAILABLE
//   with reason NOT_READY (it refused before doing anything) — ADD retries with a short
//   backoff, up to readinessTimeoutMs, then fails with code 11 naming the socket. A
//   starting daemon delays pods, never drops them; a ready one costs a single call.
// - DEL, CHECK, GC never wait: an unreachable daemon is code 11 right away. DEL in
//   particular never claims success it did not get; the runtime retries DEL.
// - STATUS with the daemon down is code 50 (plugin not available), naming the socket.
// Every command has one deadline, callTimeoutMs from its start, for its wait for readiness and
// every attempt together, so the shim never runs past the runtime's (the kubelet's 2 min).
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import { ErrorReason } from "../../proto/gen/netattach/v1/error_reason.js";
import { createBackoff } from "../../server/src/retry/index.js";
import { reasonName } from "../../server/src/wire/index.js";
import type { CniCommand } from "./cni-env.js";
import { SocketConnectError } from "./transport/socket-connect-error.js";
import { errorReason, toShimError, transportDetails } from "./error-mapping.js";
import type { Logger } from "./logger.js";
import type { ShimConf } from "./shim-conf.js";
import { CniErrorCode } from "../../server/src/cni/spec/index.js";
import { ShimError } from "./shim-error.js";

export type DaemonCommand = Exclude<CniCommand, "VERSION">;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** [0, 1): the backoff's jitter, so many shims waiting for one daemon do not retry in step. */
  random(): number;
}

interface CommandPolicy {
  readonly retryUntilReady: boolean;
  readonly unreachableCode: number;
  /** When socketPath is wrong (not a socket, no permission, ...): a config problem, not "try again". */
  readonly wrongSocketCode: number;
}

const CONFIG = CniErrorCode.InvalidNetworkConfig;
export const CALL_POLICY: Readonly<Record<DaemonCommand, CommandPolicy>> = {
  ADD: { retryUntilReady: true, unreachableCode: CniErrorCode.TryAgainLater, wrongSocketCode: CONFIG },
  DEL: { retryUntilReady: false, unreachableCode: CniErrorCode.TryAgainLater, wrongSocketCode: CONFIG },
  CHECK: { retryUntilReady: false, unreachableCode: CniErrorCode.TryAgainLater, wrongSocketCode: CONFIG },
  GC: { retryUntilReady: false, unreachableCode: CniErrorCode.TryAgainLater, wrongSocketCode: CONFIG },
  // STATUS's codes are 50 and 51: the plugin cannot serve ADD, whatever the cause.
  STATUS: {
    retryUntilReady: false,
    unreachableCode: CniErrorCode.PluginNotAvailable,
    wrongSocketCode: CniErrorCode.PluginNotAvailable,
  },
};

const READY_BACKOFF = { minMs: 25, maxMs: 250 };

export type DaemonCall<T> = (options: { deadline: Date }) => Promise<T>;

/** Why the daemon did not take the call, when waiting can fix that; undefined otherwise. */
function notYet(err: unknown): string | undefined {
  if (err instanceof SocketConnectError && err.notListening)
    return `${Status[err.code]}: ${transportDetails(err.details)}`;
  if (
    err instanceof ClientError &&
    err.code === Status.UNAVAILABLE &&
    errorReason(err) === reasonName(ErrorReason.ERROR_REASON_NOT_READY)
  )
    return `not ready: ${err.details}`;
  return undefined;
}

/**
 * Calls until the daemon takes the call or the readiness budget is spent. Every attempt has the
 * command's deadline: a fresh one per attempt let an ADD accepted late in the wait run
 * readinessTimeoutMs + callTimeoutMs, past the kubelet's deadline.
 */
async function callWhenReady<T>(
  conf: ShimConf,
  clock: Clock,
  log: Logger,
  deadline: Date,
  call: DaemonCall<T>,
): Promise<T> {
  const waitMs = Math.min(conf.readinessTimeoutMs, conf.callTimeoutMs);
  const giveUpAt = clock.now() + waitMs;
  const backoff = createBackoff(READY_BACKOFF, () => clock.random());
  for (let attempt = 1; ; attempt++) {
    let last: string | undefined;
    try {
      return await call({ deadline });
    } catch (err) {
      last = notYet(err);
      if (last === undefined) throw err;
    }
    const pause = backoff.next();
    if (clock.now() + pause >= giveUpAt) {
      throw new ShimError(
        CniErrorCode.TryAgainLater,
        `netattachd at ${conf.socketPath} is not ready after ${waitMs} ms`,
        `${attempt} ${attempt === 1 ? "attempt" : "attempts"}; last: ${last}`,
      );
    }
    if (attempt === 1) log.info("waiting for netattachd", { socket: conf.socketPath, reason: last });
    await clock.sleep(pause);
  }
}

/** Runs one daemon call under the command's policy; every failure becomes a ShimError. */
export async function callDaemon<T>(
  command: DaemonCommand,
  conf: ShimConf,
  clock: Clock,
  log: Logger,
  call: DaemonCall<T>,
): Promise<T> {
  const policy = CALL_POLICY[command];
  const deadline = new Date(clock.now() + conf.callTimeoutMs);
  try {
    if (policy.retryUntilReady) return await callWhenReady(conf, clock, log, deadline, call);
    return await call({ deadline });
  } catch (err) {
    throw toShimError(err, {
      socketPath: conf.socketPath,
      unreachableCode: policy.unreachableCode,
      wrongSocketCode: policy.wrongSocketCode,
      command,
    });
  }
}
