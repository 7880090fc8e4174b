// DEL for a set of saved delegates, last first, going on past failures (multi-net spec 7.2).
import type { CniResult, CniRuntime } from "../cni/index.js";
import type { DaemonError } from "../errors/daemon-error.js";
import type { PlannedDelegate } from "./types.js";
import { delegateList, delegateRuntimeConf } from "./delegate-invocation.js";
import { toDaemonError } from "./cni-error.js";
import { describeOrigin } from "./origin.js";

export interface DeleteOutcome {
  /** In the order they were deleted. */
  readonly removed: readonly PlannedDelegate[];
  /** In the order they were tried. */
  readonly failed: ReadonlyArray<{ readonly delegate: PlannedDelegate; readonly error: DaemonError }>;
}

export async function deleteDelegates(
  runtime: CniRuntime,
  target: { containerId: string; netns: string },
  delegates: readonly PlannedDelegate[],
  phase: "del" | "rollback" | "gc",
  signal: AbortSignal,
  /** Saved ADD results by interface: prevResult for the runtime when its cache lost one. */
  results: Readonly<Record<string, CniResult>> = {},
): Promise<DeleteOutcome> {
  const removed: PlannedDelegate[] = [];
  const failed: Array<{ delegate: PlannedDelegate; error: DaemonError }> = [];
  for (const delegate of [...delegates].reverse()) {
    try {
      const list = delegateList(delegate, phase);
      const prevResult = results[delegate.ifName];
      await runtime.delNetworkList(list, delegateRuntimeConf(target.containerId, target.netns, delegate), { signal, ...(prevResult !== undefined ? { prevResult } : {}) });
      removed.push(delegate);
    } catch (err) {
      const where = { network: delegate.network, ifName: delegate.ifName, phase, source: describeOrigin(delegate.origin) };
      failed.push({ delegate, error: toDaemonError(err, where, signal) });
    }
  }
  return { removed, failed };
}

/** One clause per failure; each message names network, interface, plugin and CNI code. */
export function describeFailures(failed: DeleteOutcome["failed"]): string {
  return failed.map(({ error }) => `${error.message} [${error.code}]`).join("; ");
}
