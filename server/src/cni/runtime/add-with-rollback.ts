// The runtime's ADD stops at the first failing plugin and leaves cleanup to the caller;
// the spec says a DEL must follow a failed ADD. This is that caller, for those who want it.
import type { CniResult, NetworkConfigList, RuntimeConf } from "../spec/types.js";
import type { InvokeOptions } from "../invoke/types.js";
import type { CniRuntime } from "./types.js";

export interface RollbackOutcome {
  /** The DEL error, when the rollback itself failed (the ADD error is still thrown). */
  readonly delError?: unknown;
}

/**
 * ADD; on failure run a full DEL (reverse order, without the deadline's signal if it
 * already fired) and rethrow the ADD error. `onRollback` learns whether the DEL worked.
 */
export async function addNetworkListWithRollback(
  runtime: CniRuntime,
  list: NetworkConfigList,
  rt: RuntimeConf,
  opts?: InvokeOptions & { readonly onRollback?: (outcome: RollbackOutcome) => void },
): Promise<CniResult> {
  try {
    return await runtime.addNetworkList(list, rt, opts);
  } catch (addError) {
    const delOpts: InvokeOptions = opts?.pluginTimeoutMs !== undefined ? { pluginTimeoutMs: opts.pluginTimeoutMs } : {};
    try {
      await runtime.delNetworkList(list, rt, delOpts);
      opts?.onRollback?.({});
    } catch (delError) {
      opts?.onRollback?.({ delError });
    }
    throw addError;
  }
}
