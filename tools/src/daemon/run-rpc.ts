// Runs one daemon call for a command: client lifetime, deadline and cancellation. A failed
// call leaves as RpcFailureError, which cli.ts prints once in the chosen output format.
import type { ExitCode, CommandContext } from "../command.js";
import { createDaemonClient, type DaemonClient } from "../daemon-client.js";
import type { CommonFlags } from "./daemon-options.js";
import { failureOf, RpcFailureError } from "./rpc-failure.js";

export async function runRpc(
  ctx: CommandContext,
  flags: CommonFlags,
  call: (client: DaemonClient, opts: { deadline: Date; signal?: AbortSignal }) => Promise<ExitCode>,
): Promise<ExitCode> {
  const client = createDaemonClient(flags.socket, flags.tls);
  try {
    return await call(client, {
      deadline: new Date(Date.now() + flags.timeoutMs),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    const failure = failureOf(err, flags.socket, flags.tls !== undefined);
    throw failure === undefined ? err : new RpcFailureError(failure, { cause: err });
  } finally {
    client.close();
  }
}
