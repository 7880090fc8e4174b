// netattachd marks every plugin it runs (PLUGIN_RUN_ENV, inherited by what the plugin runs in
// turn). The shim finding the mark was run by netattachd as a delegate or IPAM plugin: a network's
// chain names a copy of the shim under another name, which the daemon cannot tell by type or by
// binary name. Calling netattachd back would wait for the lock its own call holds until the plugin
// timeout, so the shim answers at once: DEL and GC succeed (run so, it never attached anything:
// rollback and teardown finish, nothing is orphaned); every other command fails with
// SHIM_AS_DELEGATE_CODE, which netattachd reports as INVALID_NETWORK_CONFIG naming the network.
import { PLUGIN_RUN_ENV, SHIM_AS_DELEGATE_CODE, shimRefusalDetails } from "../../server/src/cni/spec/index.js";
import type { CniCommand } from "./cni-env.js";
import { ShimError } from "./shim-error.js";

/** stdout when run by netattachd (throws for commands it refuses); undefined otherwise. */
export function answerAsDelegate(
  env: Readonly<Record<string, string | undefined>>,
  command: CniCommand,
  selfPath: string,
): string | undefined {
  const mark = env[PLUGIN_RUN_ENV];
  if (!mark) return undefined;
  if (command === "DEL" || command === "GC") return "";
  throw new ShimError(
    SHIM_AS_DELEGATE_CODE,
    `netattach-cni (${selfPath}) was run by netattachd as a delegate plugin for ${command}`,
    `${shimRefusalDetails(mark)}: a network's chain names netattach's own shim under another name; ` +
      `it refuses at once rather than call netattachd back and wait for the lock netattachd holds`,
  );
}
